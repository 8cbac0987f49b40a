"""The supervisor's end-of-day closeout, its deposits and deposit slip PDFs."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from billing_site.common.formflow import submit
from billing_site.common.pdf import pdf_response
from ledger.selectors import open_business_day

from .. import selectors, services
from ..choices import DrawerStatus
from ..documents import deposit_slip_document_pdf, deposit_slips_store
from ..models import Closeout, Deposit

CLOSEOUT = "payments.closeout"


@permission_required("payments.run_closeout", raise_exception=True)
def closeout(request: HttpRequest) -> HttpResponse:
    def run() -> str:
        done = services.closeout_run(acting_user=request.user)
        closed_now.append(done)
        return reverse("payments:closeout_detail", args=[done.pk])

    closed_now: list[Closeout] = []

    # Two steps: the first POST shows what will be closed; only ``confirmed=1`` closes.
    confirmed = request.POST.get("confirmed") == "1"
    closed = "The business day is closed and the next one is open."
    sent = submit(request, purpose=CLOSEOUT, action=run, success=closed, valid=confirmed)
    if sent.done:
        for done in closed_now:  # its transaction has committed: render the slips now
            deposit_slips_store(closeout=done, acting_user=request.user)
        return sent.done
    error = sent.error
    day = open_business_day()
    drawers = selectors.drawers_of_day(day.date) if day else []
    context = {
        "confirming": request.method == "POST" and not confirmed and day is not None,
        "totals": selectors.day_totals(drawers),
        "day": day,
        "next_date": services.next_business_date(day.date) if day else None,
        "drawers": drawers,
        "open_drawers": [d for d, _e in drawers if d.status == DrawerStatus.OPEN],
        "error": getattr(error, "messages", [str(error)] if error else []),
        "token": sent.token,
        "recent": selectors.latest_closeouts(),
        "batches": selectors.batches_for_closeout(day.date) if day else [],
        "exceptions": selectors.open_exceptions_for_closeout(day.date) if day else [],
    }
    return render(request, "payments/closeout.html", context, status=400 if error else 200)


@permission_required("payments.view_cash_reports", raise_exception=True)
def closeout_detail(request: HttpRequest, closeout_pk: int) -> HttpResponse:
    done = get_object_or_404(Closeout.objects.select_related("closed_by"), pk=closeout_pk)
    context = {
        "closeout": done,
        "deposits": done.deposits.select_related("fund"),
        "drawers": selectors.drawers_of_day(done.business_date),
    }
    return render(request, "payments/closeout_detail.html", context)


@permission_required("payments.view_cash_reports", raise_exception=True)
def deposit_slip(request: HttpRequest, deposit_pk: int) -> HttpResponse:
    deposit = get_object_or_404(Deposit.objects.select_related("closeout", "fund"), pk=deposit_pk)
    pdf = deposit_slip_document_pdf(deposit=deposit)
    return pdf_response(pdf, f"deposit-slip-{deposit.slip_number}.pdf")
