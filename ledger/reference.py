"""A per-process cache of the chart the posting services read on every posting.

Services (with their GL accounts) and the singular-role GL accounts change
rarely (an administrator in the admin). Each process keeps them for at most
``settings.LEDGER_CHART_CACHE_SECONDS``; a save or delete in this process
clears the cache at once, so other processes see an edit within that time.
Tests set it to 0: their rolled-back edits must never outlive the test.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .choices import SINGULAR_ROLES
from .models import GLAccount, Service


@dataclass(frozen=True)
class Chart:
    loaded_at: float
    services: tuple[Service, ...]
    by_role: dict[str, GLAccount]

    def gl(self, role: str) -> GLAccount:
        return self.by_role[role]


_chart: Chart | None = None


def chart() -> Chart:
    global _chart
    now = time.monotonic()
    ttl = settings.LEDGER_CHART_CACHE_SECONDS
    if _chart is None or now - _chart.loaded_at >= ttl:
        services = tuple(Service.objects.select_related("receivable_gl", "revenue_gl"))
        by_role = {gl.role: gl for gl in GLAccount.objects.filter(role__in=SINGULAR_ROLES)}
        _chart = Chart(now, services, by_role)
    return _chart


def forget(**_kwargs: Any) -> None:
    global _chart
    _chart = None
