from __future__ import annotations

from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "front"
    verbose_name = "Cross-app pages"

    def ready(self) -> None:
        # Lower floors ask billing_site.common for "the counter's date"; the
        # ledger's open business day answers, wired here so accounts never
        # imports the ledger.
        from billing_site.common import counter_day
        from ledger.selectors import open_business_day

        counter_day.register(lambda: getattr(open_business_day(), "date", None))
        _register_navigation_badges()


def _register_navigation_badges() -> None:
    """The top navigation's counts (billing_site.common.navigation), counted together."""
    from typing import Any

    from adjustments.refunds.selectors import refunds_waiting
    from billing_site.common.navigation import register_badge
    from payments.selectors import voids_waiting
    from work_queues.selectors import mine

    def my_work(request: Any) -> Any:
        known = getattr(request, "_my_work_count", None)  # My work's own page counted them
        return int(known) if known is not None else mine(request.user)

    register_badge("my_work", my_work)
    register_badge("voids", lambda request: voids_waiting())
    register_badge("refunds", lambda request: refunds_waiting())
