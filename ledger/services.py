"""Posting services: the only entry points that move money.

Every function here is keyword-only, runs in one database transaction, checks
the acting user's permission, and goes through ``LedgerWriter`` so balances,
history and credit allocation stay right. Later apps (payments, adjustments,
billing, collections) call these; nothing else writes ledger rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction

from accounts.models import Account
from billing_site.common.money import ZERO
from billing_site.common.roles import require_perm

from .allocation import allocate
from .amounts import check_amount
from .business_calendar import (
    business_day_close,
    business_day_open,
    lock_open_business_day,
    next_business_date,
)
from .choices import GLRole, TransactionKind
from .deposits import (
    deposit_apply,
    deposit_interest_credit,
    deposit_lines,
    deposit_refund,
    deposit_take,
)
from .errors import PostingRefused
from .models import AccountOpen, GLAccount, JournalEntry, JournalTransaction, Service
from .posting import LedgerWriter, Line, OpenAmounts, Queued
from .refunds import credit_refund
from .writeoffs import write_off

__all__ = [
    "AccountCharges",
    "LedgerWriter",
    "Line",
    "OpenAmounts",
    "PostingRefused",
    "Queued",
    "allocate",
    "business_day_close",
    "business_day_open",
    "charge_lines",
    "check_amount",
    "credit_refund",
    "deposit_apply",
    "deposit_interest_credit",
    "deposit_lines",
    "deposit_refund",
    "deposit_take",
    "lock_open_business_day",
    "next_business_date",
    "payment_lines",
    "post_charges",
    "post_charges_bulk",
    "post_charges_in_chunks",
    "post_payment",
    "post_payment_by_writer",
    "queue_charges",
    "refresh_planner_statistics",
    "reverse_part",
    "reverse_transaction",
    "write_off",
]


def writer_for(acting_user: User) -> LedgerWriter:
    """A LedgerWriter for someone allowed to post (call inside ``transaction.atomic``)."""
    require_perm(acting_user, "ledger.post_transaction")
    return LedgerWriter(acting_user=acting_user)


def charge_lines(
    writer: LedgerWriter, account: Account, charges: Sequence[tuple[Service, Decimal]]
) -> list[Line]:
    """Per service: debit the account's receivable, credit the service's revenue."""
    return writer.charge_lines(account, charges)


@dataclass(frozen=True)
class AccountCharges:
    """One account's charges for :func:`post_charges_bulk`: one journal transaction."""

    account: Account | int
    charges: Sequence[tuple[Service, Decimal]]
    memo: str
    source: str = ""


def queue_charges(
    writer: LedgerWriter, bills: Sequence[AccountCharges], *, kind: str = TransactionKind.CHARGE
) -> list[Queued]:
    """Queue many accounts' charges on ``writer`` (locking them in key order first)."""
    writer.lock(sorted({b.account if isinstance(b.account, int) else b.account.pk for b in bills}))
    return [
        writer.post_charges(
            kind=kind,
            account=bill.account,
            charges=bill.charges,
            memo=bill.memo,
            source=bill.source,
        )
        for bill in bills
    ]


@transaction.atomic
def post_charges_bulk(
    *,
    bills: Sequence[AccountCharges],
    acting_user: User,
    kind: str = TransactionKind.CHARGE,
) -> list[JournalTransaction]:
    """Charge many accounts in one database transaction: one journal transaction each.

    The path of bill runs, late-fee runs and the demo seeder. Same guarantees as
    :func:`post_charges`: the accounts are locked in primary-key order, each
    charge consumes the account's unapplied credit, every balance change gets a
    history row naming the acting user and its transaction, and PostgreSQL
    checks the invariants at commit. All or nothing; returned in ``bills`` order.
    """
    writer = writer_for(acting_user)
    queued = queue_charges(writer, bills, kind=kind)
    writer.flush()
    return [writer.transaction_of(q) for q in queued]


@transaction.atomic
def _post_charges_counted(*, bills: Sequence[AccountCharges], acting_user: User, kind: str) -> int:
    """:func:`post_charges_bulk` for a caller that only counts what was posted."""
    writer = writer_for(acting_user)
    queue_charges(writer, bills, kind=kind)
    return writer.flush()


def post_charges_in_chunks(
    *,
    bills: Iterable[AccountCharges],
    acting_user: User,
    chunk_size: int = 10_000,
    kind: str = TransactionKind.CHARGE,
) -> int:
    """:func:`post_charges_bulk` chunk by chunk, each chunk its own database transaction.

    For a run too large for one transaction (a bill run of 100,000 accounts):
    a chunk is all or nothing; chunks posted before a failure stay posted.
    After the first chunk the ledger's planner statistics are refreshed, so the
    later chunks (and the triggers' cached plans) do not keep plans made while
    the tables looked empty. Returns how many bills were posted.
    """
    posted = 0
    chunk: list[AccountCharges] = []
    for bill in bills:
        chunk.append(bill)
        if len(chunk) == chunk_size:
            posted += _post_charges_counted(bills=chunk, acting_user=acting_user, kind=kind)
            chunk = []
            if posted == chunk_size:
                refresh_planner_statistics()
    if chunk:
        posted += _post_charges_counted(bills=chunk, acting_user=acting_user, kind=kind)
    return posted


def refresh_planner_statistics() -> None:
    """ANALYZE the tables every posting reads and writes (after a large first chunk).

    PostgreSQL plans queries from table statistics; a database that was nearly
    empty when the trigger functions first planned their queries keeps those
    plans until statistics change, and bulk posting then slows chunk by chunk.
    The role running it needs the MAINTAIN privilege on these tables (PostgreSQL
    17+; the owner has it); without it PostgreSQL skips them with a warning and
    autovacuum's analyze catches up later.
    """
    tables = [
        JournalTransaction._meta.db_table,
        JournalEntry._meta.db_table,
        AccountOpen._meta.db_table,
        Account._meta.db_table,
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


@transaction.atomic
def post_charges(
    *,
    account: Account,
    charges: Sequence[tuple[Service, Decimal]],
    memo: str,
    acting_user: User,
    source: str = "",
    kind: str = TransactionKind.CHARGE,
) -> JournalTransaction:
    """Charge the account per service (debit receivable, credit revenue) in one transaction."""
    writer = writer_for(acting_user)
    writer.lock([account])
    queued = writer.post_charges(
        kind=kind, account=account, charges=charges, memo=memo, source=source
    )
    writer.flush()
    return writer.transaction_of(queued)


def payment_lines(
    writer: LedgerWriter, account: Account, amount: Decimal, debit_gl: GLAccount
) -> list[Line]:
    """Debit ``debit_gl``; credit the account's services by payment order, excess to credit."""
    check_amount(amount, what="Payment")
    parts, excess = allocate(amount, writer.open_amounts(account).by_service, writer.services)
    lines = [Line(gl_account=debit_gl, amount=amount)]
    lines += [writer.receivable_line(account, -paid, service) for service, paid in parts]
    if excess > ZERO:
        lines.append(writer.receivable_line(account, -excess, None))
    return lines


_PAYMENT_CALL = (
    "SELECT status, transaction_id, created_at, business_date"
    " FROM ledger_post_payment(%s::bigint, %s::numeric, %s::text, %s::text, %s::integer)"
)


def post_payment(
    *,
    account: Account,
    amount: Decimal,
    memo: str,
    acting_user: User,
    source: str = "",
) -> JournalTransaction:
    """Post a payment to pooled cash, allocated to the account by payment order.

    One call of the database function ``ledger_post_payment`` (migration 0014)
    does the whole posting: lock, open amounts, allocation, journal rows,
    balance and history row. Outside a transaction that one statement is its
    own database transaction (one round trip, checks at its commit); inside
    one it runs under a savepoint. An account not in its resting shape (which
    the ledger's own postings never leave) is posted through ``LedgerWriter``.
    """
    require_perm(acting_user, "ledger.post_transaction")
    check_amount(amount, what="Payment")
    if not memo.strip():
        raise PostingRefused("Every transaction needs a memo saying why.")
    params: list[int | Decimal | str] = [account.pk, amount, memo, source, acting_user.pk]
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_PAYMENT_CALL, params)
            status, pk, created_at, day = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(_PAYMENT_CALL, params)
            status, pk, created_at, day = cursor.fetchone()
    if status == "unsettled":
        return post_payment_by_writer(
            account=account, amount=amount, memo=memo, acting_user=acting_user, source=source
        )
    if status != "posted":
        raise PostingRefused(status)
    txn = JournalTransaction(
        pk=pk,
        business_date=day,
        kind=TransactionKind.PAYMENT,
        memo=memo[:500],
        source=source[:100],
        created_by=acting_user,
        created_at=created_at,
    )
    txn._state.adding = False
    txn._state.db = connection.alias
    return txn


@transaction.atomic
def post_payment_by_writer(
    *,
    account: Account,
    amount: Decimal,
    memo: str,
    acting_user: User,
    source: str = "",
) -> JournalTransaction:
    """:func:`post_payment` through ``LedgerWriter`` (credit settled first if need be).

    The same rows as the database function; tests post both ways and compare.
    """
    writer = writer_for(acting_user)
    (locked,) = writer.lock([account])
    lines = payment_lines(writer, locked, amount, writer.chart.gl(GLRole.CASH))
    return writer.post_now(kind=TransactionKind.PAYMENT, lines=lines, memo=memo, source=source)


@transaction.atomic
def reverse_transaction(
    *, original: JournalTransaction, memo: str, acting_user: User
) -> JournalTransaction:
    """Post the mirror image of ``original`` in the open day, linked to it."""
    return _post_reversal(original, None, memo, acting_user)


@transaction.atomic
def reverse_part(
    *, original: JournalTransaction, amount: Decimal, memo: str, acting_user: User
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
    original: JournalTransaction, amount: Decimal | None, memo: str, acting_user: User
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
    named = {e.account_id or e.deposit_account_id for e in entries}
    writer.lock(sorted(pk for pk in named if pk is not None))
    lines = [
        Line(
            gl_account=e.gl_account,
            amount=-part if e.amount.amount > ZERO else part,
            account=writer.account(e.account_id) if e.account_id else None,
            service=e.service,
            deposit_account=writer.account(e.deposit_account_id) if e.deposit_account_id else None,
        )
        for e, part in undone
    ]
    return writer.post_now(
        kind=TransactionKind.REVERSAL,
        lines=lines,
        memo=memo,
        source=original.source,
        reversal_of=original,
    )
