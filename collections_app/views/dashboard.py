"""The collections dashboard: receivables by age over the last 12 month-ends, late fees and
notices by month, plans, deposits held, write-offs and recoveries (read only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from billing_site.common.panels import shown
from ledger.selectors import open_business_day

from .. import dashboard
from ..services import month_end_aging


@permission_required(dashboard.VIEW_PERM, raise_exception=True)
def collections_dashboard(request: HttpRequest) -> HttpResponse:
    day = open_business_day()
    today = day.date if day else timezone.localdate()
    context = {"today": today, "panels": shown(dashboard.PANELS, request, today)}
    return render(request, "collections/dashboard.html", context)


@require_POST
@permission_required(month_end_aging.COMPUTE_PERM, raise_exception=True)
def compute_month_ends(request: HttpRequest) -> HttpResponse:
    """Start the long task that keeps the closed month-ends the dashboard has not yet."""
    task = month_end_aging.month_end_aging_start(acting_user=request.user)  # type: ignore[arg-type]
    if task is None:
        messages.info(request, "Every closed month-end is already computed.")
    else:
        messages.success(request, f"Computing {task.total} month-ends.")
    return redirect("collections:dashboard")
