"""The account page: everything a counter clerk needs about one account.

A top-floor page: it reads ``accounts`` (customer, service address, flags,
notes, history) and the ledger's read side (balance, open amounts by service,
activity through ``ledger.selectors``; the aging by bill date, first in first out,
and the collections card from ``collections_app.selectors``), and will read bills, payment
plans, deposits and service orders as those apps arrive. Read-only; its URL
name stays ``accounts:detail`` (see ``front.urls``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.choices import NoteKind
from accounts.forms import NoteForm
from accounts.models import Account
from accounts.selectors import account_for_page, account_history, flags_in_force, sub_accounts
from accounts.views.maintain import NOTE
from adjustments.refunds.selectors import refunds_of_account
from billing import selectors as billing_selectors
from billing_site.common.idempotency import issue_token
from collections_app import plan_selectors
from collections_app import selectors as collections_selectors
from collections_app.services import deposit_rule
from ledger.selectors import (
    account_activity,
    deposit_held,
    open_business_day,
    open_by_service,
)
from payments.selectors import receipts_for_transactions
from service_orders import selectors as service_order_selectors
from work_queues.views import account_panel as work_panel

NOTES_SHOWN = 200
REFUNDS_SHOWN = 20
MONEY_PERM = "ledger.view_journaltransaction"
HISTORY_PERM = "accounts.view_account_history"


@permission_required("accounts.view_account", raise_exception=True)
def account_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        account = account_for_page(pk)
    except Account.DoesNotExist:
        raise Http404("No such account.") from None
    context: dict[str, Any] = {
        "account": account,
        "customer": account.customer,
        "premise": account.premise,
        "mailing_differs": mailing_differs(account),
        "flags": flags_in_force(account, today=timezone.localdate()),
        "subs": list(sub_accounts(account)) if account.is_master else [],
        **notes_for(account, with_money=request.user.has_perm(MONEY_PERM)),
    }
    if request.user.has_perm("accounts.add_accountnote"):
        context["note_form"] = NoteForm()
        context["note_token"] = issue_token(user_id=request.user.pk, purpose=NOTE)
    if request.user.has_perm(MONEY_PERM):
        context.update(money_for(account))
    if request.user.has_perm(HISTORY_PERM):
        context["history"] = account_history(account)
    if request.user.has_perm("collections.view_letter"):
        context["collections"] = collections_selectors.account_panel(account)
    if request.user.has_perm("collections.view_paymentplan"):
        context["plans"] = plan_selectors.plans_of(account.pk)
    if request.user.has_perm("adjustments.view_refund") or request.user.has_perm(
        "adjustments.request_refund"
    ):
        context["refunds"] = list(refunds_of_account(account)[:REFUNDS_SHOWN])
    if request.user.has_perm("billing.view_serviceagreement"):
        context.update(billing_selectors.account_panel(account.pk, account.premise_id))
    if request.user.has_perm("service_orders.view_serviceorder"):
        context["service_orders"] = service_order_selectors.open_orders_of_account(account.pk)
    context.update(work_panel(request, account))
    return render(request, "front/account.html", context)


def mailing_differs(account: Account) -> bool:
    """True when the customer's mail goes somewhere other than the service address."""
    c, p = account.customer, account.premise

    def norm(*parts: str) -> tuple[str, ...]:
        return tuple(" ".join(part.lower().replace(".", "").split()) for part in parts)

    mailing = norm(c.mailing_line1, c.mailing_line2, c.mailing_city, c.mailing_state)
    service = norm(p.line1, p.line2, p.city, p.state)
    return mailing != service or c.mailing_zip[:5] != p.zip_code[:5]


def notes_for(account: Account, *, with_money: bool = True) -> dict[str, Any]:
    """Footnotes and notes; system notes (about money moved) only for who sees money."""
    shown = account.notes.select_related("author")
    if not with_money:
        shown = shown.exclude(kind=NoteKind.SYSTEM)
    notes = list(shown[:NOTES_SHOWN])
    return {
        "footnotes": [n for n in notes if n.kind == NoteKind.FOOTNOTE],
        "notes": [n for n in notes if n.kind != NoteKind.FOOTNOTE],
    }


def money_for(account: Account) -> dict[str, Any]:
    """Balance detail: open amounts by service, aging and the ledger activity."""
    day = open_business_day()
    as_of = day.date if day else timezone.localdate()
    return {
        "show_money": True,
        "as_of": as_of,
        "by_service": open_by_service(account.pk),
        "deposit_held": deposit_held(account.pk),
        "deposit_due": deposit_rule.deposit_due(account.pk),
        "aging": collections_selectors.account_aging(account.pk, as_of=as_of),
        "activity": _with_receipts(account_activity(account.pk)),
    }


def _with_receipts(activity: list[Any]) -> list[tuple[Any, Any, Any]]:
    """Each activity row with the receipt and the bill behind it (None when none)."""
    ids = [row.transaction.pk for row in activity]
    receipts, bills = receipts_for_transactions(ids), billing_selectors.bills_for_transactions(ids)
    return [
        (row, receipts.get(row.transaction.pk), bills.get(row.transaction.pk)) for row in activity
    ]
