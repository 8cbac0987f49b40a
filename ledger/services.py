"""Posting services: the only entry points that move money.

Every function here is keyword-only, runs in one database transaction, checks
the acting user's permission, and goes through ``LedgerWriter`` so balances,
history and credit allocation stay right. Later apps (payments, adjustments,
billing, collections) call these; nothing else writes ledger rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from billing_site.common.money import MAX_AMOUNT, ZERO
from billing_site.common.roles import require_perm

from .allocation import allocate
from .choices import DayStatus, GLRole, TransactionKind
from .errors import PostingRefused
from .models import BusinessDay, GLAccount, JournalTransaction, Service
from .posting import LedgerWriter, Line

__all__ = [
    "LedgerWriter",
    "Line",
    "PostingRefused",
    "business_day_open",
    "post_charges",
    "post_payment",
    "reverse_part",
    "reverse_transaction",
]


def check_amount(amount: Decimal, *, what: str = "Amount") -> Decimal:
    """Refuse amounts no person means: zero, negative, fractions of a cent, too many digits."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PostingRefused(f"{what} must be a number of dollars and cents.")
    if amount <= ZERO:
        raise PostingRefused(f"{what} must be more than zero.")
    if amount > MAX_AMOUNT:  # before quantize(), which raises on numbers this large
        raise PostingRefused(f"{what} is larger than the ledger accepts.")
    if amount != amount.quantize(Decimal("0.01")):
        raise PostingRefused(f"{what} can have at most two decimal places.")
    return amount


def writer_for(acting_user: Any) -> LedgerWriter:
    """A LedgerWriter for someone allowed to post (call inside ``transaction.atomic``)."""
    require_perm(acting_user, "ledger.post_transaction")
    return LedgerWriter(acting_user=acting_user)


@transaction.atomic
def business_day_open(*, on: date, acting_user: Any) -> BusinessDay:
    """Open the business day ``on``; refused while another day is open or if it was closed."""
    require_perm(acting_user, "ledger.post_transaction")
    if BusinessDay.objects.select_for_update().filter(status=DayStatus.OPEN).exists():
        raise PostingRefused("A business day is already open; close it first.")
    existing = BusinessDay.objects.filter(date=on).first()
    if existing is not None:
        raise PostingRefused(f"Business day {on} was already closed; it cannot reopen.")
    later = BusinessDay.objects.filter(date__gt=on).exists()
    if later:
        raise PostingRefused(f"A later business day than {on} already exists.")
    return BusinessDay.objects.create(date=on, opened_by=acting_user, opened_at=timezone.now())


def _charge_lines(
    writer: LedgerWriter, account: Account, charges: Sequence[tuple[Service, Decimal]]
) -> list[Line]:
    lines: list[Line] = []
    for service, amount in charges:
        check_amount(amount, what=f"{service.name} charge")
        lines.append(writer.receivable_line(account, amount, service))
        lines.append(Line(gl_account=service.revenue_gl, amount=-amount))
    return lines


@transaction.atomic
def post_charges(
    *,
    account: Account,
    charges: Sequence[tuple[Service, Decimal]],
    memo: str,
    acting_user: Any,
    source: str = "",
    kind: str = TransactionKind.CHARGE,
) -> JournalTransaction:
    """Charge the account per service (debit receivable, credit revenue) in one transaction."""
    writer = writer_for(acting_user)
    (locked,) = writer.lock([account])
    pending = writer.post(
        kind=kind, lines=_charge_lines(writer, locked, charges), memo=memo, source=source
    )
    writer.flush()
    return pending.saved  # type: ignore[return-value]


def payment_lines(
    writer: LedgerWriter, account: Account, amount: Decimal, debit_gl: GLAccount
) -> list[Line]:
    """Debit ``debit_gl``; credit the account's services by payment order, excess to credit."""
    check_amount(amount, what="Payment")
    book = writer.books[account.pk]
    parts, excess = allocate(amount, book.open_by_service, writer.services)
    lines = [Line(gl_account=debit_gl, amount=amount)]
    lines += [writer.receivable_line(account, -paid, service) for service, paid in parts]
    if excess > ZERO:
        lines.append(writer.receivable_line(account, -excess, None))
    return lines


@transaction.atomic
def post_payment(
    *,
    account: Account,
    amount: Decimal,
    memo: str,
    acting_user: Any,
    source: str = "",
) -> JournalTransaction:
    """Post a payment to pooled cash, allocated to the account by payment order."""
    writer = writer_for(acting_user)
    (locked,) = writer.lock([account])
    lines = payment_lines(writer, locked, amount, writer.chart.gl(GLRole.CASH))
    pending = writer.post(kind=TransactionKind.PAYMENT, lines=lines, memo=memo, source=source)
    writer.flush()
    return pending.saved  # type: ignore[return-value]


@transaction.atomic
def reverse_transaction(
    *, original: JournalTransaction, memo: str, acting_user: Any
) -> JournalTransaction:
    """Post the mirror image of ``original`` in the open day, linked to it."""
    return _post_reversal(original, None, memo, acting_user)


@transaction.atomic
def reverse_part(
    *, original: JournalTransaction, amount: Decimal, memo: str, acting_user: Any
) -> JournalTransaction:
    """Reverse ``amount`` of ``original`` (a returned check beside cash that was kept).

    Each side is undone from its last line back: for a receipt, the debit to cash
    shrinks by ``amount`` and the last-paid accounts and services are owed again
    first, so the first ones keep what the other tenders paid. Posted as a
    reversal linked to the original (closed accounts accept it, as a full one).
    """
    check_amount(amount, what="Amount taken back")
    return _post_reversal(original, amount, memo, acting_user)


def _take_back(entries: list[Any], amount: Decimal) -> list[tuple[Any, Decimal]]:
    """(entry, part) pairs undoing ``amount`` of these same-signed entries, last first."""
    taken = []
    left = amount
    for entry in reversed(entries):
        if left <= ZERO:
            break
        part = min(abs(entry.amount.amount), left)
        taken.append((entry, part))
        left -= part
    return taken


def _post_reversal(
    original: JournalTransaction, amount: Decimal | None, memo: str, acting_user: Any
) -> JournalTransaction:
    """The reversal of all of ``original`` (``amount`` None) or of ``amount`` of it."""
    writer = writer_for(acting_user)
    original = JournalTransaction.objects.select_for_update().get(pk=original.pk)
    if original.kind in (TransactionKind.REVERSAL, TransactionKind.CREDIT_APPLICATION):
        raise PostingRefused("Reversals and automatic credit applications cannot be reversed.")
    if JournalTransaction.objects.filter(reversal_of=original).exists():
        raise PostingRefused(f"Transaction #{original.pk} has already been reversed.")
    entries = list(
        original.entries.select_related("gl_account", "service", "service__receivable_gl").order_by(
            "pk"
        )
    )
    if amount is None:
        undone = [(e, abs(e.amount.amount)) for e in entries]
    else:
        debits = [e for e in entries if e.amount.amount > ZERO]
        credits = [e for e in entries if e.amount.amount < ZERO]
        whole = sum((e.amount.amount for e in debits), ZERO)
        if amount > whole:
            raise PostingRefused(f"Transaction #{original.pk} moved only {whole}.")
        undone = [*_take_back(debits, amount), *_take_back(credits, amount)]
    writer.lock(sorted({e.account_id for e in entries if e.account_id}))
    lines = [
        Line(
            gl_account=e.gl_account,
            amount=-part if e.amount.amount > ZERO else part,
            account=writer.accounts[e.account_id] if e.account_id else None,
            service=e.service,
        )
        for e, part in undone
    ]
    pending = writer.post(
        kind=TransactionKind.REVERSAL,
        lines=lines,
        memo=memo,
        source=original.source,
        reversal_of=original,
    )
    writer.flush()
    return pending.saved  # type: ignore[return-value]
