"""Local development: DEBUG on, the embedded PostgreSQL unless DATABASE_URL is set."""

from __future__ import annotations

from billing_site.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
