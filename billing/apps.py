from __future__ import annotations

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: rates, meters and reads"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the read-import long task)
        from .bill_messages import deposits_refunded, register_bill_message_source

        register_bill_message_source("billing.deposit_refunded", deposits_refunded)
