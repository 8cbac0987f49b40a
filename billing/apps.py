from __future__ import annotations

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: rates, meters and reads"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the read-import long task)
