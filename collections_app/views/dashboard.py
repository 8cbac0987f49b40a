"""The collections dashboard: receivables by age over the last 12 month-ends, late fees and
notices by month, plans, deposits held, write-offs and recoveries (read only)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from billing_site.common.panels import shown
from ledger.selectors import open_business_day

from .. import dashboard


@permission_required(dashboard.VIEW_PERM, raise_exception=True)
def collections_dashboard(request: HttpRequest) -> HttpResponse:
    day = open_business_day()
    today = day.date if day else timezone.localdate()
    context = {"today": today, "panels": shown(dashboard.PANELS, request, today)}
    return render(request, "collections/dashboard.html", context)
