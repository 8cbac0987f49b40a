"""Writes for refunds: request, approve (posts to refunds payable), reject, withdraw.

Each is keyword-only, runs in one database transaction, checks the acting user's
permission, records who did what in the refund's history and leaves a system
note on the account. Money moves only on approval, through ``ledger.services``:
``credit_refund`` for a credit balance, ``deposit_refund(to_refunds_payable=True)``
for a deposit (the collections app requests those with ``source="deposit"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from accounts.choices import AccountStatus
from accounts.models import Account
from accounts.services import system_note
from billing_site.common import approvals
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.money import CURRENCY, format_money
from billing_site.common.numbering import next_number
from billing_site.common.roles import require_perm
from ledger.models import JournalTransaction
from ledger.services import credit_refund, deposit_refund

from ..choices import RefundPayee, RefundSource
from ..models import Refund
from ..services import checked_amount, clean_memo
from .selectors import RefundApprovalRules, refundable

NUMBER_START = 1001


@dataclass(frozen=True)
class PayeeIn:
    """Who the cheque is made out to and where it is mailed; blank: the account's own."""

    kind: str = RefundPayee.CUSTOMER
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""


def default_payee(account: Account) -> PayeeIn:
    """The customer, at the forwarding address when one is kept, else the mailing address."""
    c = account.customer
    if account.forwarding_line1:
        return PayeeIn(
            RefundPayee.CUSTOMER,
            c.display_name,
            account.forwarding_line1,
            account.forwarding_line2,
            account.forwarding_city,
            account.forwarding_state,
            account.forwarding_zip,
        )
    return PayeeIn(
        RefundPayee.CUSTOMER,
        c.display_name,
        c.mailing_line1,
        c.mailing_line2,
        c.mailing_city,
        c.mailing_state,
        c.mailing_zip,
    )


def _payee_fields(account: Account, payee: PayeeIn) -> dict[str, str]:
    if payee.kind not in RefundPayee.values:
        raise ValidationError({"payee": "Choose the customer or another payee."})
    typed = {
        "payee_name": payee.name,
        "payee_line1": payee.line1,
        "payee_line2": payee.line2,
        "payee_city": payee.city,
        "payee_state": payee.state.upper(),
        "payee_zip": payee.zip_code,
    }
    typed = {k: " ".join((v or "").split()) for k, v in typed.items()}
    refuse_card_numbers(**typed)
    if payee.kind == RefundPayee.CUSTOMER and not typed["payee_line1"]:
        fallback = default_payee(account)
        typed.update(
            payee_line1=fallback.line1,
            payee_line2=fallback.line2,
            payee_city=fallback.city,
            payee_state=fallback.state,
            payee_zip=fallback.zip_code,
        )
    if payee.kind == RefundPayee.CUSTOMER and not typed["payee_name"]:
        typed["payee_name"] = account.customer.display_name
    required = ("payee_name", "payee_line1", "payee_city", "payee_state", "payee_zip")
    missing = {name: "The cheque needs this." for name in required if not typed[name]}
    if missing:
        raise ValidationError(missing)
    return typed


def _check_available(account: Account, source: str, amount: Decimal) -> None:
    what = "credit" if source == RefundSource.CREDIT else "deposit held"
    found = refundable(account, source)
    if found.held <= 0:
        raise ValidationError({"amount": f"Account {account.number} has no {what} to refund."})
    if amount > found.available:
        waiting = f" ({format_money(found.waiting)} already waiting)" if found.waiting else ""
        raise ValidationError(
            {
                "amount": f"Account {account.number} has {format_money(found.available)} of "
                f"{what} left to refund{waiting}, not {format_money(amount)}."
            }
        )


def _note(refund: Refund, text: str, acting_user: User) -> None:
    system_note(account=refund.account, text=text, acting_user=acting_user)


def _save(refund: Refund, *, acting_user: User, why: str) -> Refund:
    refund._history_user = acting_user  # type: ignore[attr-defined]
    refund._change_reason = why  # type: ignore[attr-defined]
    refund.full_clean()
    refund.save()
    return refund


@transaction.atomic
def refund_request(
    *,
    account: Account,
    amount: Decimal,
    memo: str,
    acting_user: User,
    payee: PayeeIn | None = None,
    source: str = RefundSource.CREDIT,
) -> Refund:
    """Ask for ``amount`` of the account's credit (or deposit) to be paid back, for approval."""
    require_perm(acting_user, "adjustments.request_refund")
    if source not in RefundSource.values:
        raise ValidationError({"source": "Refund a credit balance or a deposit."})
    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=account.pk)
    )
    if source == RefundSource.CREDIT and account.status == AccountStatus.CLOSED:
        raise ValidationError({"account": f"Account {account.number} is closed."})
    amount = checked_amount(amount, field="amount", what="The refund")
    fields = _payee_fields(account, payee or PayeeIn())
    text = clean_memo(memo)
    _check_available(account, source, amount)
    refund = Refund(
        number=next_number("refund", start=NUMBER_START),
        account=account,
        source=source,
        amount=Money(amount, CURRENCY),
        payee=(payee or PayeeIn()).kind,
        memo=text,
        requested_by=acting_user,
        requested_at=timezone.now(),
        **fields,
    )
    _save(refund, acting_user=acting_user, why="Requested")
    _note(
        refund, f"{refund} of {format_money(amount)} to {refund.payee_name} requested.", acting_user
    )
    return refund


def ledger_memo(refund: Refund) -> str:
    return f"{refund}: {refund.get_source_display().lower()} to {refund.payee_name}"[:500]


def post_refund(refund: Refund, acting_user: User) -> JournalTransaction:
    """The posting of an approved refund: credit or deposit to refunds payable."""
    common: dict[str, Any] = {
        "account": refund.account,
        "amount": refund.amount.amount,
        "memo": ledger_memo(refund),
        "acting_user": acting_user,
        "source": f"refund {refund.label}",
    }
    if refund.source == RefundSource.DEPOSIT:
        return deposit_refund(to_refunds_payable=True, **common)
    return credit_refund(**common)


class RefundApprovals(RefundApprovalRules):
    """Approval posts the refund; every decision leaves a note on the account."""

    def on_approve(self, subject: Refund, acting_user: User) -> str:
        subject.posting = post_refund(subject, acting_user)
        return f"Approved; posted as transaction #{subject.posting.pk}"

    def after(self, subject: Refund, *, event: str, previous: Any, acting_user: User) -> None:
        if event == "approved":
            text = f"{subject} approved and posted (transaction #{subject.posting_id})."
        elif event == "rejected":
            text = f"{subject} rejected: {subject.decision_note}"
        else:
            text = f"{subject} withdrawn."
        _note(subject, text, acting_user)

    def save(self, subject: Refund, *, acting_user: User, why: str) -> None:
        _save(subject, acting_user=acting_user, why=why)


APPROVALS = RefundApprovals()


@transaction.atomic
def refund_approve(*, refund: Refund, acting_user: User, note: str = "") -> Refund:
    """Approve and post in one transaction; refused unless the approver may, right now."""
    refuse_card_numbers(reason=note)
    return approvals.approve(flow=APPROVALS, subject=refund, acting_user=acting_user, note=note)


@transaction.atomic
def refund_reject(*, refund: Refund, reason: str, acting_user: User) -> Refund:
    return approvals.reject(flow=APPROVALS, subject=refund, reason=reason, acting_user=acting_user)


@transaction.atomic
def refund_withdraw(*, refund: Refund, acting_user: User) -> Refund:
    return approvals.withdraw(flow=APPROVALS, subject=refund, acting_user=acting_user)
