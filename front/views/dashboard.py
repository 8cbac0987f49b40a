"""The operations dashboard (``/dashboard/``): the page, and its panels alone when htmx asks
for them (every 30 seconds, ``hx-trigger="every 30s"``); a GET that changes nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import dashboard


@permission_required(dashboard.VIEW_PERM, raise_exception=True)
def operations_dashboard(request: HttpRequest) -> HttpResponse:
    today = dashboard.dashboard_day()
    context = {
        "today": today,
        "panels": dashboard.shown_panels(request, today),
        "refreshed_at": timezone.localtime(),
        "refresh_seconds": dashboard.REFRESH_SECONDS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "front/partials/_dashboard_panels.html", context)
    return render(request, "front/dashboard.html", context)
