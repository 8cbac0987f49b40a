"""Ledger pages: the closed days and their GL interface files (``ledger.gl_export``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import gl_export
from .choices import DayStatus
from .models import BusinessDay

VIEW = "ledger.view_glexport"


def _closed_day(day_pk: int) -> BusinessDay:
    return get_object_or_404(BusinessDay, pk=day_pk, status=DayStatus.CLOSED)


@permission_required(VIEW, raise_exception=True)
def gl_exports(request: HttpRequest) -> HttpResponse:
    days = list(gl_export.closed_days())
    return render(request, "ledger/gl_exports.html", {"days": days})


@require_POST
@permission_required("ledger.export_gl", raise_exception=True)
def gl_export_day(request: HttpRequest, day_pk: int) -> HttpResponse:
    day = _closed_day(day_pk)
    try:
        export, new = gl_export.gl_export_day(day=day, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("ledger:gl_exports")
    if new:
        messages.success(
            request,
            f"The GL file for {day.date:%Y-%m-%d} is exported: {export.line_count} lines, "
            f"control total ${export.control_total:,.2f}. Download it below.",
        )
    else:
        when = timezone.localtime(export.exported_at)
        by = export.exported_by.get_full_name() or export.exported_by.get_username()
        messages.info(
            request,
            f"The GL file for {day.date:%Y-%m-%d} was already exported on {when:%Y-%m-%d %H:%M} "
            f"by {by}. Nothing new was made; the download below is that same file.",
        )
    return redirect("ledger:gl_exports")


@permission_required(VIEW, raise_exception=True)
def gl_file(request: HttpRequest, day_pk: int) -> HttpResponse:
    """The day's file: the exported bytes, or (before the export) the same layout, unmarked."""
    day = _closed_day(day_pk)
    try:
        data, _export = gl_export.day_file(day)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("ledger:gl_exports")
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{gl_export.file_name(day)}"'
    return response
