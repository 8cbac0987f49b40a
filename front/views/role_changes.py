"""Role changes for auditors: who gave whom which role, and when (read-only)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from billing_site.common.models import RoleChange


@permission_required("common.view_rolechange", raise_exception=True)
def role_changes(request: HttpRequest) -> HttpResponse:
    page = Paginator(RoleChange.objects.all(), 100).get_page(request.GET.get("page"))
    return render(request, "front/role_changes.html", {"page": page})
