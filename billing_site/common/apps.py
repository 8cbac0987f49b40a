from __future__ import annotations

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "billing_site.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from .roles import connect_role_signals

        connect_role_signals()

        # Every admin form people type into refuses card numbers, like the app's own
        # forms (DESIGN section 5): the admin builds its forms on ``form``, so the
        # default for every ModelAdmin and inline is the card-safe model form.
        from django.contrib.admin.options import BaseModelAdmin

        from .cards import CardSafeModelForm

        BaseModelAdmin.form = CardSafeModelForm  # type: ignore[misc]

        from . import checks, lookups, sessions, user_roles  # noqa: F401 (they register)

        user_roles.connect()
        sessions.connect()
