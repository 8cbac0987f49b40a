from __future__ import annotations

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "billing_site.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from . import user_roles

        user_roles.connect()
