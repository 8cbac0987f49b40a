from __future__ import annotations

from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    name = "collections_app"
    label = "collections"
    verbose_name = "Credit and collections"

    def ready(self) -> None:
        from billing_site.common import account_alerts

        from . import (
            hooks,
            plan_selectors,
            tasks,  # noqa: F401  (registers the aging, late-fee and notice tasks)
        )

        # Plans in good standing leave the late-fee and notice runs; the counter shows the
        # installment due (payments cannot import collections: it asks the registry).
        hooks.register_plans_in_good_standing(plan_selectors.plans_in_good_standing)
        account_alerts.register("collections.plans", plan_selectors.counter_alerts)
        from .services import deposit_rule

        account_alerts.register("collections.deposit_required", deposit_rule.counter_alerts)
