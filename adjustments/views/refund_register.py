"""The refund register: refunds by date requested, with payee, status, posting and export;
HTML, PDF (WeasyPrint) and CSV."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from billing_site.common.csvutil import csv_response
from billing_site.common.money import ZERO
from billing_site.common.pdf import pdf_response, render_pdf

from ..models import Refund
from ..refunds import selectors
from ..refunds.forms import RefundRegisterForm
from ..wording import who

MAX_ROWS = 5000
STYLESHEET = "adjustments/pdf/report.css"
HEADER = [
    "Refund",
    "Requested",
    "Account",
    "Source",
    "Payee",
    "Payee address",
    "Amount",
    "Status",
    "Requested by",
    "Decided by",
    "Decided",
    "Ledger transaction",
    "Business date",
    "AP export",
    "Memo",
]


def _row(r: Refund) -> list[Any]:
    return [
        r.label,
        r.requested_at,
        r.account.number,
        r.get_source_display(),
        r.payee_name,
        r.payee_address().replace("\n", ", "),
        r.amount.amount,
        r.get_status_display(),
        who(r.requested_by),
        who(r.decided_by) if r.decided_by else "",
        r.decided_at,
        r.posting_id or "",
        r.posting.business_date if r.posting else "",
        r.export.number if r.export else "",
        r.memo,
    ]


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@permission_required(selectors.VIEW, raise_exception=True)
def refund_register(request: HttpRequest) -> HttpResponse:
    form = RefundRegisterForm(request.GET or None)
    ok = form.is_valid() or not form.is_bound
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound and ok else {}
    rows = list(selectors.register(**filters)[:MAX_ROWS]) if ok else []
    total = sum((r.amount.amount for r in rows), ZERO)
    fmt = request.GET.get("format", "")
    if fmt == "csv" and ok:
        return csv_response(f"refund-register-{_stamp()}.csv", HEADER, (_row(r) for r in rows))
    context = {"form": form, "rows": rows, "total": total, "filters": _describe(filters)}
    if fmt == "pdf" and ok:
        context.update(printed_at=timezone.now(), printed_by=who(request.user))
        pdf = render_pdf("adjustments/pdf/refund_register.html", context, stylesheet=STYLESHEET)
        return pdf_response(pdf, f"refund-register-{_stamp()}.pdf", inline=False)
    return render(request, "adjustments/refunds/register.html", context)


def _describe(filters: dict[str, Any]) -> list[str]:
    labels = {"date_from": "From", "date_to": "To", "status": "Status"}
    return [f"{labels[k]}: {v}" for k, v in filters.items() if k in labels]
