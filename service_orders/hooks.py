"""What service orders lend lower apps through their registries (filled in ``ready()``):
the receipt's offer to cancel a pending disconnect once the account owes nothing
(payments), the notice run's *Create disconnect orders* (collections) and the read
exception's *Re-read order* (billing). The lower apps never import this module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from billing.exception_actions import ExceptionAction
from billing_site.common.account_alerts import Offer
from billing_site.common.idempotency import issue_token
from collections_app.hooks import RunAction
from collections_app.services.notices import disconnect_list

from .choices import ACTIVE_STATUSES, OrderKind, Origin
from .models import ServiceOrder

ADD = "service_orders.add_serviceorder"
DISPATCH = "service_orders.dispatch_serviceorder"
FROM_LIST = "service_orders.from_disconnect_list"  # the endpoint's token purpose
FROM_EXCEPTION = "service_orders.from_read_exception"
CANCEL = "service_orders.cancel_serviceorder"
CANCEL_COLLECTIONS = "service_orders.cancel_collections_order"


def paid_disconnect_offers(accounts: Sequence[Any], user: Any, back: str) -> list[Offer]:
    """For each account that owes nothing and has a pending disconnect: the offer to cancel
    it, or (a clerk, collections ordered it) to ask a coordinator. One query."""
    paid = {a.pk: a for a in accounts if a.balance.amount <= 0}
    if not paid or not user.has_perm("service_orders.view_serviceorder"):
        return []
    pending = ServiceOrder.objects.filter(
        account_id__in=paid, kind=OrderKind.DISCONNECT, status__in=ACTIVE_STATUSES
    ).order_by("number")
    return [_offer(order, paid[order.account_id], user, back) for order in pending]


def _offer(order: ServiceOrder, account: Any, user: Any, back: str) -> Offer:
    text = f"Account {account.number} owes nothing: disconnect order {order.number} is pending."
    may = user.has_perm(CANCEL) and (
        order.origin != Origin.COLLECTIONS or user.has_perm(CANCEL_COLLECTIONS)
    )
    if not may:
        return Offer(f"cancel-disconnect-{order.pk}", f"{text} Ask a coordinator to cancel it.")
    url = reverse("service_orders:cancel", args=[order.pk])
    if back:
        url = f"{url}?{urlencode({'next': back})}"
    return Offer(f"cancel-disconnect-{order.pk}", text, url, "Cancel this disconnect")


def disconnect_run_action(run: Any, user: Any) -> RunAction | None:
    """The sent disconnect list's *Create disconnect orders*: how many orders its accounts
    have, and which accounts get none and why (recomputed now: paid, plan, flag)."""
    if not (user.has_perm(ADD) and user.has_perm(DISPATCH)):
        return None
    from .services import disconnect_plan  # services imports effects; keep ready() light

    lines = disconnect_list(run)
    plan = disconnect_plan([line.account_id for line in lines])
    refused = [(plan.numbers[pk], why) for pk, why in sorted(plan.refused.items())]
    summary = (
        f"{len(lines)} account{'s' if len(lines) != 1 else ''} on the list: "
        f"{len(plan.open_already)} with an open disconnect order, {len(plan.todo)} to order, "
        f"{len(refused)} refused."
    )
    return RunAction(
        url=reverse("service_orders:disconnect_orders", args=[run.pk]),
        token=issue_token(user_id=user.pk, purpose=FROM_LIST), label="Create disconnect orders",
        summary=summary, refused=refused, can_post=bool(plan.todo),
    )  # fmt: skip


def reread_actions(exceptions: Sequence[Any], user: Any) -> dict[int, ExceptionAction]:
    """Each read exception's *Re-read order* button, or the order already out (one query)."""
    if not exceptions or not user.has_perm(ADD):
        return {}
    out = {
        o.read_exception_id: o
        for o in ServiceOrder.objects.filter(
            read_exception_id__in=[x.pk for x in exceptions], status__in=ACTIVE_STATUSES
        )
    }
    token = issue_token(user_id=user.pk, purpose=FROM_EXCEPTION)
    found: dict[int, ExceptionAction] = {}
    for x in exceptions:
        if (order := out.get(x.pk)) is not None:
            found[x.pk] = ExceptionAction(
                f"Re-read order {order.number} is out ({order.get_status_display().lower()})."
            )
        elif x.meter_id:
            url = reverse("service_orders:reread_order", args=[x.pk])
            found[x.pk] = ExceptionAction("Send a technician:", url, token, "Re-read order")
    return found
