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
from ..forms import CounterOrderForm

NEW = "service_orders.counter_order"


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
