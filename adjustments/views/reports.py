"""Reports: the adjustments register and the approvals waiting, by age; HTML, PDF and CSV."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from billing_site.common.csvutil import csv_response
from billing_site.common.money import ZERO
from billing_site.common.pdf import pdf_response, render_pdf

from .. import selectors
from ..forms import RegisterFilterForm
from ..models import AdjustmentRequest
from ..wording import who

MAX_ROWS = 5000
STYLESHEET = "adjustments/pdf/report.css"
REGISTER_HEADER = [
    "Request",
    "Requested",
    "Kind",
    "Account",
    "To account",
    "Reason",
    "Direction",
    "Amount",
    "Status",
    "Requested by",
    "Decided by",
    "Decided",
    "Ledger transaction",
    "Reversal",
    "Memo",
]


def _register_row(req: AdjustmentRequest) -> list[Any]:
    return [
        req.number,
        req.requested_at,
        req.get_kind_display(),
        req.account.number if req.account else "",
        req.to_account.number if req.to_account else "",
        req.reason.name if req.reason else "",
        req.get_direction_display().split(" (")[0] if req.direction else "",
        req.amount.amount,
        req.get_status_display(),
        who(req.requested_by),
        who(req.decided_by) if req.decided_by else "",
        req.decided_at,
        req.posting_id or "",
        req.reversal_id or "",
        req.memo,
    ]


def _file_stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@permission_required("adjustments.view_reports", raise_exception=True)
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None)
    rows: list[AdjustmentRequest] = []
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        rows = list(selectors.register(**filters)[:MAX_ROWS])
    elif not form.is_bound:
        rows = list(selectors.register()[:MAX_ROWS])
    total = sum((r.amount.amount for r in rows), ZERO)
    fmt = request.GET.get("format", "")
    if fmt == "csv" and (form.is_valid() or not form.is_bound):
        return csv_response(
            f"adjustments-register-{_file_stamp()}.csv",
            REGISTER_HEADER,
            (_register_row(r) for r in rows),
        )
    context = {"form": form, "rows": rows, "total": total, "filters": _describe(filters)}
    if fmt == "pdf" and (form.is_valid() or not form.is_bound):
        context["printed_at"] = timezone.now()
        context["printed_by"] = who(request.user)
        pdf = render_pdf("adjustments/pdf/register.html", context, stylesheet=STYLESHEET)
        return pdf_response(pdf, f"adjustments-register-{_file_stamp()}.pdf")
    context["query"] = request.GET.urlencode() if form.is_bound else ""
    return render(request, "adjustments/register.html", context)


def _describe(filters: dict[str, Any]) -> list[str]:
    labels = {
        "date_from": "From",
        "date_to": "To",
        "reason": "Reason",
        "requested_by": "Requested by",
        "status": "Status",
        "kind": "Kind",
    }
    return [f"{labels[k]}: {v}" for k, v in filters.items() if k in labels]


PENDING_HEADER = ["Request", "Submitted", "Age (days)", "Age band", "Kind", "Account", "Amount"]


@permission_required("adjustments.view_reports", raise_exception=True)
def pending(request: HttpRequest) -> HttpResponse:
    rows = selectors.pending_by_age()
    bands: dict[str, tuple[int, Decimal]] = {label: (0, ZERO) for _d, label in selectors.AGE_BANDS}
    for row in rows:
        count, amount = bands[row.band]
        bands[row.band] = (count + 1, amount + row.request.amount.amount)
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return csv_response(
            f"approvals-pending-{_file_stamp()}.csv",
            PENDING_HEADER,
            (
                [
                    r.request.number,
                    r.request.submitted_at,
                    r.age_days,
                    r.band,
                    r.request.get_kind_display(),
                    r.request.account.number if r.request.account else "",
                    r.request.amount.amount,
                ]
                for r in rows
            ),
        )
    context = {"rows": rows, "bands": bands}
    if fmt == "pdf":
        context.update(printed_at=timezone.now(), printed_by=who(request.user))
        pdf = render_pdf("adjustments/pdf/pending.html", context, stylesheet=STYLESHEET)
        return pdf_response(pdf, f"approvals-pending-{_file_stamp()}.pdf")
    return render(request, "adjustments/pending.html", context)
