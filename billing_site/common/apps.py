from __future__ import annotations

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "billing_site.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from . import checks, sessions, user_roles  # noqa: F401 (checks registers itself)

        user_roles.connect()
        sessions.connect()
