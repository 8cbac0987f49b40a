from __future__ import annotations

from django.apps import AppConfig


class ServiceOrdersConfig(AppConfig):
    name = "service_orders"
    label = "service_orders"
    verbose_name = "Field service orders"

    def ready(self) -> None:
        from billing import exception_actions
        from billing_site.common import account_alerts
        from collections_app import hooks as collections_hooks

        from . import hooks

        # Payments (below) shows the offer on the receipt; it asks the registry.
        account_alerts.register_offer(
            "service_orders.paid_disconnect", hooks.paid_disconnect_offers
        )
        # Collections (below) shows the button on a sent disconnect list.
        collections_hooks.register_disconnect_run_action(hooks.disconnect_run_action)
        # Billing's read exceptions queue offers a re-read order per exception.
        exception_actions.register(hooks.reread_actions)
