"""Cashiering reports: one page per report, each also as PDF and CSV.

``?date=YYYY-MM-DD`` picks the business day (default: the last closed business
day, whose figures are final; the open day only before any day was closed);
range reports end on the open day and also take ``?from=`` (default 90 days before).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from billing_site.common.csvutil import csv_response
from billing_site.common.pdf import pdf_response, render_pdf
from ledger.selectors import last_closed_business_date, open_business_day

from .. import selectors
from ..reports import REPORTS

VIEW = "payments.view_cash_reports"


def _default_day(*, ranged: bool = False) -> date:
    """The last closed day (a report of the new, empty day would show nothing).

    A range report (over/short, voids and returns) ends on the open day: it
    holds every closed day before it and what today has so far.
    """
    closed = last_closed_business_date()
    if closed is not None and not ranged:
        return closed
    day = open_business_day()
    return day.date if day else date.today()


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


@permission_required(VIEW, raise_exception=True)
def reports(request: HttpRequest) -> HttpResponse:
    context = {
        "reports": [(slug, title) for slug, (title, _f, _r) in REPORTS.items()],
        # The day picked above the list, else the last closed day.
        "today": _date(request.GET.get("date"), _default_day()),
        "closeouts": selectors.latest_closeouts(),
    }
    return render(request, "payments/reports.html", context)


@permission_required(VIEW, raise_exception=True)
def report(request: HttpRequest, report: str) -> HttpResponse:
    if report not in REPORTS:
        raise Http404("No such report.")
    _title, build, ranged = REPORTS[report]
    day = _date(request.GET.get("date"), _default_day(ranged=ranged))
    start = _date(request.GET.get("from"), day - timedelta(days=90)) if ranged else day
    table = build(day, start)
    fmt = request.GET.get("format", "")
    stem = f"{report}-{day.isoformat()}"
    if fmt == "csv":
        rows = [*table.rows, table.totals] if table.totals else table.rows
        return csv_response(f"{stem}.csv", table.header, rows)
    context = {"report": table, "slug": report, "day": day, "start": start, "ranged": ranged}
    if fmt == "pdf":
        pdf = render_pdf(
            "payments/pdf/cash_report.html", context, stylesheet="payments/pdf/report.css"
        )
        return pdf_response(pdf, f"{stem}.pdf")
    return render(request, "payments/report.html", context)
