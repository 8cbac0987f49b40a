from __future__ import annotations

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import reference
        from .models import Fund, GLAccount, Service

        for model in (Fund, GLAccount, Service):
            post_save.connect(
                reference.forget, sender=model, dispatch_uid=f"chart-{model.__name__}"
            )
            post_delete.connect(
                reference.forget, sender=model, dispatch_uid=f"chart-{model.__name__}-"
            )
