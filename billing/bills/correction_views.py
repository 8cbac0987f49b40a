"""Correction pages: cancel (and rebill) a posted bill, rebill a cancelled one, rebill
estimated bills once actual reads are in, and stop an account's service with a final
read (its final bill posted at once). Thin: permission, form, service, redirect; each
moves money, so each carries a one-time token (``formflow.submit``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Account
from billing_site.common.formflow import submit
from billing_site.common.idempotency import issue_token

from .. import selectors
from ..choices import BillStatus
from ..models import Bill, ReadImport
from . import corrections, final
from .forms import BillCancelForm, StopServiceForm
from .runs import POST

CANCEL_PURPOSE = "billing.bill_cancel"
REBILL_PURPOSE = "billing.bill_rebill"
ESTIMATES_PURPOSE = "billing.rebill_estimates"
STOP_PURPOSE = "billing.stop_service"


def _bill_url(bill: Bill) -> str:
    return reverse("billing:bill", args=[bill.pk])


@permission_required(POST, raise_exception=True)
def bill_cancel(request: HttpRequest, bill_pk: int) -> HttpResponse:
    bill = get_object_or_404(Bill.objects.select_related("account", "run"), pk=bill_pk)
    form = BillCancelForm(request.POST or None)

    def cancel() -> str:
        data = form.cleaned_data
        if data["rebill"]:
            new = corrections.bill_cancel_and_rebill(
                bill=bill, reason=data["reason"], note=data["note"], acting_user=request.user
            )
            return _bill_url(new)
        corrections.bill_cancel(
            bill=bill, reason=data["reason"], note=data["note"], acting_user=request.user
        )
        return _bill_url(bill)

    sent = submit(
        request, purpose=CANCEL_PURPOSE, form=form, action=cancel,
        success=f"Bill {bill.number} cancelled.",
    )  # fmt: skip
    if sent.done:
        return sent.done
    context = {
        "bill": bill,
        "form": form,
        "token": sent.token,
        "title": f"Cancel bill {bill.number}",
    }
    return render(request, "billing/bills/cancel.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required(POST, raise_exception=True)
def bill_rebill(request: HttpRequest, bill_pk: int) -> HttpResponse:
    bill = get_object_or_404(Bill, pk=bill_pk)
    sent = submit(
        request, purpose=REBILL_PURPOSE,
        action=lambda: _bill_url(corrections.bill_rebill(bill=bill, acting_user=request.user)),
        success=f"Bill {bill.number} rebilled.",
    )  # fmt: skip
    if sent.done:
        return sent.done
    return _bill_page_with_error(request, bill, sent.error)


def _bill_page_with_error(request: HttpRequest, bill: Bill, error: object) -> HttpResponse:
    lines = bill.lines.select_related("service", "journal_entry")
    context = {"bill": bill, "lines": lines, "action_error": error}
    context["one_time_charges"] = selectors.one_time_charges_for_bill(bill)
    context.update(bill_actions(request, bill))
    return render(request, "billing/runs/bill.html", context, status=400)


def bill_actions(request: HttpRequest, bill: Bill) -> dict[str, object]:
    """What the bill page offers this user: the tokens of its correction forms."""
    if not request.user.has_perm(POST):
        return {}
    offers: dict[str, object] = {}
    if bill.status == BillStatus.CANCELLED and not Bill.objects.filter(rebill_of=bill).exists():
        offers["rebill_token"] = issue_token(user_id=request.user.pk, purpose=REBILL_PURPOSE)
    if bill.status == BillStatus.POSTED and bill.estimated:
        offers["estimate_token"] = issue_token(user_id=request.user.pk, purpose=ESTIMATES_PURPOSE)
    return offers


@require_POST
@permission_required(POST, raise_exception=True)
def bill_rebill_estimate(request: HttpRequest, bill_pk: int) -> HttpResponse:
    """Rebill this estimated bill if its actual read is in (else say it is not yet)."""
    bill = get_object_or_404(Bill, pk=bill_pk)

    def rebill() -> str:
        done = corrections.rebill_estimates(account_ids=[bill.account_id], acting_user=request.user)
        if not done:
            raise ValidationError("No actual read for this bill's period has arrived yet.")
        return _bill_url(done[0])

    sent = submit(request, purpose=ESTIMATES_PURPOSE, action=rebill, success="Estimate rebilled.")
    if sent.done:
        return sent.done
    return _bill_page_with_error(request, bill, sent.error)


@require_POST
@permission_required(POST, raise_exception=True)
def import_rebill_estimates(request: HttpRequest, import_pk: int) -> HttpResponse:
    """The read import's result page: rebill the estimated bills its reads replace."""
    read_import = get_object_or_404(ReadImport, pk=import_pk)
    url = reverse("billing:read_import", args=[read_import.pk])

    def rebill() -> str:
        ids = selectors.accounts_of_import(read_import)
        done = corrections.rebill_estimates(account_ids=ids, acting_user=request.user)
        numbers = ", ".join(str(b.rebill_of.number) for b in done if b.rebill_of) or "none"
        messages.success(request, f"Estimated bills cancelled and rebilled: {numbers}.")
        return url

    sent = submit(request, purpose=ESTIMATES_PURPOSE, action=rebill)
    if sent.done:
        return sent.done
    messages.error(request, " ".join(getattr(sent.error, "messages", [str(sent.error)])))
    return redirect(url)


@permission_required(final.STOP, raise_exception=True)
def stop_service(request: HttpRequest, pk: int) -> HttpResponse:
    """The account page's "Stop service": the date and each meter's final reading."""
    if not request.user.has_perm(POST):
        return HttpResponse(status=403)
    account = get_object_or_404(Account.objects.select_related("premise"), pk=pk)
    meters = list(selectors.meters_at_premise(account.premise_id))
    form = StopServiceForm(request.POST or None, meters=meters)

    def stop() -> str:
        bill = final.stop_service(
            account=account, on=form.cleaned_data["on"], readings=form.readings(),
            acting_user=request.user,
        )  # fmt: skip
        return _bill_url(bill)

    field_map = {"reading": f"reading_{meters[0].pk}"} if meters else {}
    sent = submit(
        request, purpose=STOP_PURPOSE, form=form, action=stop, field_map=field_map,
        success="Service stopped; the final bill is posted and the account is final.",
    )  # fmt: skip
    if sent.done:
        return sent.done
    context = {"account": account, "form": form, "token": sent.token, "title": "Stop service"}
    return render(
        request, "billing/bills/stop_service.html", context, status=400 if form.errors else 200
    )
