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
