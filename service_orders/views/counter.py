from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import Account
from billing_site.common.formflow import submit

from .. import selectors, services
from ..choices import Origin
from ..forms import CounterOrderForm, TransferForm

NEW = "service_orders.counter_order"
TRANSFER = "service_orders.transfer"


@require_http_methods(["GET", "POST"])
@permission_required(services.ADD, raise_exception=True)
def counter_order(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Start or stop service for the customer at the counter."""
    try:
        account = Account.objects.select_related("customer", "premise").get(pk=account_pk)
    except Account.DoesNotExist:
        raise Http404("No such account.") from None
    kind = request.GET.get("kind", "stop" if account.status == "active" else "start")
    initial = {"kind": kind, "requested_on": timezone.localdate()}
    form = CounterOrderForm(request.POST if request.method == "POST" else None, initial=initial)

    def action() -> str:
        data = form.cleaned_data
        order = services.order_create(
            account=account, kind=data["kind"], requested_on=data["requested_on"],
            due_on=data["requested_on"], notes=data["notes"], origin=Origin.COUNTER,
            forwarding=form.forwarding(), acting_user=request.user,
        )  # fmt: skip
        return reverse("service_orders:detail", args=[order.pk])

    sent = submit(request, purpose=NEW, form=form, action=action, success="Service order taken.")
    if sent.done:
        return sent.done
    context = {
        "account": account, "form": form, "token": sent.token,
        "open_orders": selectors.open_orders_of_account(account.pk),
    }  # fmt: skip
    return render(request, "service_orders/counter_order.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(services.ADD, raise_exception=True)
def transfer(request: HttpRequest, account_pk: int) -> HttpResponse:
    """A move-out of this (active) account and a move-in at its premise on one date."""
    try:
        account = Account.objects.select_related("customer", "premise").get(pk=account_pk)
    except Account.DoesNotExist:
        raise Http404("No such account.") from None
    form = TransferForm(
        request.POST if request.method == "POST" else None, premise_id=account.premise_id,
        initial={"requested_on": timezone.localdate()},
    )  # fmt: skip

    def action() -> str:
        data = form.cleaned_data
        order = services.transfer_create(
            outgoing=account, incoming=data["incoming"], on=data["requested_on"],
            forwarding=form.forwarding(), notes=data["notes"], acting_user=request.user,
        )  # fmt: skip
        return reverse("service_orders:detail", args=[order.pk])

    sent = submit(request, purpose=TRANSFER, form=form, action=action,
                  success="Transfer order taken.")  # fmt: skip
    if sent.done:
        return sent.done
    context = {"account": account, "form": form, "token": sent.token}
    return render(
        request, "service_orders/transfer.html", context, status=400 if form.errors else 200
    )
