from __future__ import annotations

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "billing_site.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from . import sessions, user_roles

        user_roles.connect()
        sessions.connect()
