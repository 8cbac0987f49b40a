"""Security deposits: what an account must deposit (class and credit band, a letter of
credit, or its own history), taking it, interest on a schedule, the refund review after
good history (applied to the balance, or refunded through the refund path), and settling
it against a final bill. The money sits in the ledger's deposits held (a liability):
``ledger.services.deposit_*`` post it; a deposit never changes what the customer owes.

Settings (all optional): ``COLLECTIONS_DEPOSIT_INTEREST_PERCENT`` (annual, default 1.0),
``COLLECTIONS_DEPOSIT_REVIEW_MONTHS`` (12), ``COLLECTIONS_DEPOSIT_MAX_LATE_FEES`` (2),
``COLLECTIONS_DEPOSIT_HISTORY_MONTHS`` (12: a returned payment or a disconnect in that
time counts the account as band C, poor credit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Q

from accounts import services as account_services
from accounts.models import Account
from adjustments.refunds.requests import refund_request
from billing.models import Bill
from billing_site.common import roles
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.money import ZERO, format_money
from billing_site.common.roles import require_perm
from ledger import services as ledger
from ledger.models import GLAccount
from ledger.selectors import current_business_date, deposit_held
from payments.choices import TenderKind
from payments.models import Payment, ReturnedPayment
from payments.services.taking import AccountPart, TenderIn, payment_take

from ..choices import CreditBand, DepositMethod
from ..models import (
    AccountStep,
    CreditResult,
    DepositInterest,
    DepositRule,
    LateFeeLine,
    SecurityDeposit,
)
from ..plan_rules import add_months

CREDIT_PERM = "collections.add_creditresult"
INTEREST_GL = "999-5820"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Requirement:
    amount: Decimal
    band: str
    why: str


def _history_is_poor(account: Account, *, today: dt.date) -> str:
    since = add_months(today, -int(settings.COLLECTIONS_DEPOSIT_HISTORY_MONTHS))
    returns = ReturnedPayment.objects.filter(business_date__gte=since).filter(
        Q(fee_account=account) | Q(payment__lines__account=account)
    )
    if returns.exists():
        return "a returned payment in the last months"
    if AccountStep.objects.filter(
        account=account, step__is_disconnect=True, recorded_at__date__gte=since
    ).exists():
        return "a disconnect in the last months"
    return ""


def deposit_requirement(account: Account, *, today: dt.date) -> Requirement:
    """What deposit the account must hold, and why (a read: nothing is posted)."""
    result = CreditResult.objects.filter(account=account).first()
    if result and result.letter_of_credit:
        return Requirement(ZERO, result.band, "Letter of credit from a previous utility")
    band = result.band if result else CreditBand.NONE
    why = f"Credit band {band}" if result else "No credit result on file"
    if poor := _history_is_poor(account, today=today):
        band, why = CreditBand.POOR, f"Own history: {poor}"
    rule = (
        DepositRule.objects.filter(band=band, account_class__in=[account.account_class, ""])
        .order_by("-account_class")
        .first()
    )
    if rule is None:
        return Requirement(ZERO, band, f"{why}; no deposit rule for it")
    if rule.method == DepositMethod.FIXED:
        return Requirement(rule.amount, band, f"{why}: fixed {format_money(rule.amount)}")
    average = Bill.objects.filter(account__premise_id=account.premise_id, status="posted")
    avg = average.aggregate(a=Avg("new_charges"))["a"] or ZERO
    amount = max((Decimal(avg) * rule.months).quantize(CENT, ROUND_HALF_UP), rule.amount)
    return Requirement(
        amount,
        band,
        f"{why}: {rule.months} months of the average bill "
        f"{format_money(Decimal(avg).quantize(CENT))}",
    )


@transaction.atomic
def credit_result_record(
    *, account: Account, band: str, letter_of_credit: bool, note: str, acting_user: User
) -> CreditResult:
    require_perm(acting_user, CREDIT_PERM)
    refuse_card_numbers(note=note)
    found = CreditResult(
        account=account,
        band=band,
        letter_of_credit=letter_of_credit,
        note=" ".join(note.split()),
        recorded_by=acting_user,
    )
    found.full_clean()
    found.save()
    return found


@transaction.atomic
def deposit_collect(*, account: Account, amount: Decimal, acting_user: User) -> SecurityDeposit:
    """Take a deposit received by the office (cash into the pool, held for the account as a
    liability; coordinators and supervisors). At the counter: ``deposit_take_at_counter``."""
    require_perm(acting_user, "ledger.manage_deposits")
    txn = ledger.deposit_take(
        account=account, amount=amount, memo="Security deposit", acting_user=acting_user
    )
    row = SecurityDeposit.objects.create(
        account=account,
        amount=amount,
        taken_on=txn.business_date,
        transaction_id=txn.pk,
        taken_by=acting_user,
    )
    account_services.note_add(
        account=account,
        acting_user=acting_user,
        text=f"Security deposit of {format_money(amount)} taken",
    )
    return row


@transaction.atomic
def deposit_take_at_counter(
    *, account: Account, amount: Decimal, tender: str, acting_user: User, reference: str = "",
    cash_given: Decimal | None = None,
) -> Payment:  # fmt: skip
    """Take a deposit at the counter into the clerk's open drawer: a receipt whose line says
    "deposit" (held for the account, never what it owes); the drawer's count and the
    closeout count its tender like any other."""
    given = cash_given if tender == TenderKind.CASH and cash_given else amount
    payment = payment_take(
        drawer=None, acting_user=acting_user,
        tenders=[TenderIn(kind=tender, amount=given, reference=reference)],
        deposits=[AccountPart(account=account, amount=amount, field="amount")],
    )  # fmt: skip
    SecurityDeposit.objects.create(
        account=account, amount=amount, taken_on=payment.business_date,
        transaction_id=payment.transaction_id, taken_by=acting_user,
    )  # fmt: skip
    account_services.note_add(
        account=account, acting_user=acting_user,
        text=f"Security deposit of {format_money(amount)} taken at the counter "
        f"(receipt {payment.receipt_label})",
    )  # fmt: skip
    return payment


def deposit_interest_run(
    *, period_end: dt.date, months: int, acting_user: User
) -> dict[str, Decimal]:
    """Credit ``months`` of interest at the annual rate to every deposit held, once per
    account and period (a rerun credits nothing twice); each account its own transaction."""
    require_perm(acting_user, "ledger.manage_deposits")
    rate = Decimal(str(settings.COLLECTIONS_DEPOSIT_INTEREST_PERCENT))
    gl = GLAccount.objects.get(code=INTEREST_GL)
    done = set(
        DepositInterest.objects.filter(period_end=period_end).values_list("account_id", flat=True)
    )
    total, count = ZERO, 0
    for row in (
        SecurityDeposit.objects.filter(returned_on__isnull=True).values("account_id").distinct()
    ):
        if row["account_id"] in done:
            continue
        account = Account.objects.get(pk=row["account_id"])
        interest = (deposit_held(account.pk) * rate / 100 * months / 12).quantize(
            CENT, ROUND_HALF_UP
        )
        if interest <= 0:
            continue
        try:
            with transaction.atomic():
                txn = ledger.deposit_interest_credit(
                    account=account,
                    amount=interest,
                    expense_gl=gl,
                    acting_user=acting_user,
                    memo=f"Interest on deposit to {period_end}",
                    source=f"interest:{period_end}",
                )
                DepositInterest.objects.create(
                    account=account, period_end=period_end, amount=interest, transaction_id=txn.pk
                )
        except IntegrityError:
            continue  # another run credited it first
        total, count = total + interest, count + 1
    return {"accounts": Decimal(count), "interest": total}


def refund_review(*, today: dt.date) -> list[tuple[Account, Decimal, SecurityDeposit]]:
    """Deposits due back: held at least the review months, with good history since (at most
    the allowed late fees, no disconnect, no returned payment)."""
    months = int(settings.COLLECTIONS_DEPOSIT_REVIEW_MONTHS)
    allowed = int(settings.COLLECTIONS_DEPOSIT_MAX_LATE_FEES)
    since = add_months(today, -months)
    due = []
    rows = SecurityDeposit.objects.filter(returned_on__isnull=True, taken_on__lte=since)
    for dep in rows.select_related("account__customer").order_by("taken_on"):
        account = dep.account
        fees = LateFeeLine.objects.filter(account=account, status="posted", due_date__gte=since)
        if fees.count() > allowed or _history_is_poor(account, today=today):
            continue
        held = deposit_held(account.pk)
        if held > 0:
            due.append((account, held, dep))
    return due


@transaction.atomic
def deposit_return(*, account: Account, how: str, acting_user: User) -> str:
    """Give the deposit back: ``apply`` it to the balance, or ``refund`` it (a refund request
    through the refunds path, for approval). Any rest after applying is refunded."""
    require_perm(acting_user, "ledger.manage_deposits")
    held = deposit_held(account.pk)
    if held <= 0:
        raise ValidationError(f"Account {account.number} holds no deposit.")
    account.refresh_from_db()
    owed = max(account.balance.amount, ZERO)
    applied = min(held, owed) if how == "apply" else ZERO
    if applied > 0:
        ledger.deposit_apply(
            account=account,
            amount=applied,
            memo="Deposit applied to balance",
            acting_user=acting_user,
        )
    rest = held - applied
    if rest > 0:
        refund_request(
            account=account,
            amount=rest,
            memo="Deposit refund",
            acting_user=acting_user,
            source="deposit",
        )
    what = f"applied {format_money(applied)}, refund of {format_money(rest)} requested"
    today = current_business_date()
    SecurityDeposit.objects.filter(account=account, returned_on__isnull=True).update(
        returned_on=today, returned_how=what[:100]
    )
    account_services.note_add(account=account, acting_user=acting_user, text=f"Deposit: {what}")
    return what


def deposit_settle_final(*, account: Account, acting_user: User) -> str:
    """At final billing: the deposit pays the final bill, and the rest is refunded."""
    return deposit_return(account=account, how="apply", acting_user=acting_user)


# Posting a final bill implies settling its deposit: whoever may post the final bill
# (a coordinator at the stop-service page, a technician completing a stop order) applies
# the deposit and asks for the refund of the rest for that posting only.
SETTLE_PERMS = ("ledger.manage_deposits", "adjustments.request_refund")


def deposit_after_final_bill(bill: Any, acting_user: User) -> str:
    """``billing.hooks`` hook: apply the deposit held to the final bill just posted."""
    account = Account.objects.get(pk=bill.account_id)
    if deposit_held(account.pk) <= 0:
        return ""
    with roles.acting_with(acting_user, SETTLE_PERMS):
        return deposit_settle_final(account=account, acting_user=acting_user)
