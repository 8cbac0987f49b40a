from __future__ import annotations

from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    name = "collections_app"
    label = "collections"
    verbose_name = "Credit and collections"

    def ready(self) -> None:
        from billing import hooks as billing_hooks
        from billing_site.common import account_alerts

        from . import (
            hooks,
            plan_selectors,
            selectors,
            tasks,  # noqa: F401  (registers the aging, late-fee and notice tasks)
        )

        # Plans in good standing leave the late-fee and notice runs; the counter shows the
        # installment due (payments cannot import collections: it asks the registry).
        hooks.register_plans_in_good_standing(plan_selectors.plans_in_good_standing)
        account_alerts.register("collections.plans", plan_selectors.counter_alerts)
        # ... and the account's latest late fee, waived or not.
        account_alerts.register("collections.late_fees", selectors.late_fee_alerts)
        # A posted final bill takes the deposit held and refunds the rest (billing cannot
        # import collections: it runs the hooks registered here).
        from .services.deposits import deposit_after_final_bill

        billing_hooks.register_after_final_bill("collections.deposit", deposit_after_final_bill)
        # A closeout that closes a month-end starts keeping its aging (payments cannot
        # import collections either).
        from payments import hooks as payments_hooks

        from .services import deposit_rule
        from .services.month_end_aging import month_end_aging_after_closeout

        payments_hooks.register_after_closeout(
            "collections.month_end_aging", month_end_aging_after_closeout
        )

        account_alerts.register("collections.deposit_required", deposit_rule.counter_alerts)
        # A deposit collected with the bill: the bill asks for it, payments split it off.
        billing_hooks.register_billed_deposits("collections.deposit", deposit_rule.BILLED_DEPOSITS)
