from __future__ import annotations

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Cashiering"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the lockbox long task)
