"""WSGI entry point for gunicorn."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_site.settings.production")
application = get_wsgi_application()

from billing_site.common.warm import warm_and_freeze  # noqa: E402 - after Django is set up

warm_and_freeze()  # the URLconf loaded, the heap kept out of the garbage collector's walks
