"""The one place that writes journal rows and customer balances.

``LedgerWriter`` locks the customer accounts it touches (``SELECT ... FOR
UPDATE`` in primary-key order, so concurrent writers never deadlock), keeps each
account's book in memory, validates every transaction before anything is
written, keeps unapplied credit in its resting shape after each posting, and
writes everything in a few bulk statements on ``flush()``. Every balance change
gets a history row naming the acting user and the transaction.

Use it only inside ``transaction.atomic()``; the public entry points are in
``ledger.services``. Callers read what a locked account holds through
:meth:`LedgerWriter.open_amounts` (a frozen :class:`OpenAmounts`) and the saved
journal row of a queued posting through :meth:`LedgerWriter.transaction_of`;
the writer's books and queue are its own.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from djmoney.money import Money

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS, ZERO

from .allocation import AccountBook, OpenAmounts, credit_moves
from .choices import CUSTOMER_ROLES, GLRole, TransactionKind
from .errors import PostingRefused
from .models import AccountOpen, DepositHeld, GLAccount, JournalEntry, JournalTransaction, Service
from .reference import chart
from .selectors import current_business_date

# The journal column holds MAX_DIGITS digits; quantize() raises on larger numbers.
LINE_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)


@dataclass(frozen=True)
class Line:
    """One journal line to post: signed amount, debit positive."""

    gl_account: GLAccount
    amount: Decimal
    account: Account | None = None
    service: Service | None = None
    deposit_account: Account | None = None  # deposits-held lines: whose deposit


@dataclass(frozen=True)
class Queued:
    """A posting queued on a writer; :meth:`LedgerWriter.transaction_of` gives its row."""

    position: int


@dataclass
class _Pending:
    kind: str
    memo: str
    source: str
    lines: list[Line]
    reversal_of: JournalTransaction | None
    balances_after: dict[int, Decimal] = field(default_factory=dict)
    deposits_after: dict[int, Decimal] = field(default_factory=dict)
    saved: JournalTransaction | None = None


class LedgerWriter:
    """Collects postings for one database transaction and writes them on flush()."""

    def __init__(self, *, acting_user: Any, business_date: date | None = None) -> None:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("LedgerWriter must run inside transaction.atomic()")
        self.user = acting_user
        self.business_date = business_date or current_business_date()
        self._accounts: dict[int, Account] = {}
        self._books: dict[int, AccountBook] = {}
        self._pending: list[_Pending] = []
        self._deposits: dict[int, Decimal] = {}
        self.chart = chart()
        self.services: tuple[Service, ...] = tuple(self.chart.services)
        self.unapplied_gl = self.chart.gl(GLRole.UNAPPLIED_CREDIT)

    # -- accounts -----------------------------------------------------------
    def lock(self, accounts: Iterable[Account | int]) -> list[Account]:
        """Lock and load accounts not yet held; returns them all in the order given."""
        ids = [a if isinstance(a, int) else a.pk for a in accounts]
        missing = sorted(set(ids) - self._accounts.keys())
        if missing:
            locked = Account.objects.select_for_update().filter(pk__in=missing).order_by("pk")
            for account in locked:
                self._accounts[account.pk] = account
                self._books[account.pk] = AccountBook(balance=account.balance.amount)
            self._load_books(missing)
        return [self._accounts[i] for i in ids]

    def account(self, account: Account | int) -> Account:
        """The locked account row (as it is now, under this writer's lock)."""
        pk = account if isinstance(account, int) else account.pk
        if pk not in self._accounts:
            raise PostingRefused("Lock the account before reading or posting to it.")
        return self._accounts[pk]

    def open_amounts(self, account: Account | int) -> OpenAmounts:
        """A locked account's balance, credit and open services, including queued postings."""
        return OpenAmounts.of(self._books[self.account(account).pk])

    def _load_books(self, ids: list[int]) -> None:
        # Kept current by PostgreSQL (migration 0010): a few rows per account,
        # however long its history.
        rows = AccountOpen.objects.filter(account_id__in=ids).values_list(
            "account_id", "service_id", "amount"
        )
        for account_id, service_id, amount in rows:
            book = self._books[account_id]
            if service_id is None:
                book.unapplied = amount
            else:
                book.open_by_service[service_id] = amount

    def service(self, code: str) -> Service:
        for service in self.services:
            if service.code == code:
                return service
        raise PostingRefused(f"Unknown service {code!r}.")

    # -- posting -------------------------------------------------------------
    def post(
        self,
        *,
        kind: str,
        lines: Sequence[Line],
        memo: str,
        source: str = "",
        reversal_of: JournalTransaction | None = None,
    ) -> Queued:
        """Queue one balanced transaction, then settle credit on the accounts it touched."""
        self._validate(kind, lines, memo, reversal_of)
        pending = _Pending(kind, memo[:500], source[:100], list(lines), reversal_of)
        self._apply_deposits(pending)
        touched = self._apply(pending)
        self._pending.append(pending)
        queued = Queued(len(self._pending) - 1)
        for account_id in touched:
            self._settle_credit(account_id, after=pending)
        return queued

    def post_now(
        self,
        *,
        kind: str,
        lines: Sequence[Line],
        memo: str,
        source: str = "",
        reversal_of: JournalTransaction | None = None,
    ) -> JournalTransaction:
        """:meth:`post` then :meth:`flush`; the saved journal transaction."""
        queued = self.post(
            kind=kind, lines=lines, memo=memo, source=source, reversal_of=reversal_of
        )
        self.flush()
        return self.transaction_of(queued)

    def transaction_of(self, queued: Queued) -> JournalTransaction:
        """The journal row a queued posting was saved as (after :meth:`flush`)."""
        saved = self._pending[queued.position].saved
        if saved is None:
            raise RuntimeError("flush() the writer before asking for the saved transaction")
        return saved

    def receivable_line(self, account: Account, amount: Decimal, service: Service | None) -> Line:
        """A customer line: on the service's receivable GL, or unapplied credit when no service."""
        gl = service.receivable_gl if service else self.unapplied_gl
        return Line(gl_account=gl, amount=amount, account=account, service=service)

    def _validate(
        self, kind: str, lines: Sequence[Line], memo: str, reversal_of: JournalTransaction | None
    ) -> None:
        if kind not in TransactionKind.values:
            raise PostingRefused(f"Unknown transaction kind {kind!r}.")
        if not memo.strip():
            raise PostingRefused("Every transaction needs a memo saying why.")
        if len(lines) < 2:
            raise PostingRefused("A transaction needs at least two lines.")
        if sum((line.amount for line in lines), ZERO) != ZERO:
            raise PostingRefused("The lines of a transaction must sum to zero.")
        for line in lines:
            self._validate_line(line, kind)
        if reversal_of is not None and kind != TransactionKind.REVERSAL:
            raise PostingRefused("Only a reversal may name a transaction it reverses.")

    def deposit_held(self, account: Account | int) -> Decimal:
        """What the city holds as deposit for a locked account, including queued postings."""
        pk = self.account(account).pk
        if pk not in self._deposits:
            row = DepositHeld.objects.filter(account_id=pk).values_list("amount", flat=True)
            self._deposits[pk] = row.first() or ZERO
        return self._deposits[pk]

    def _apply_deposits(self, pending: _Pending) -> None:
        """Deposit lines move what is held (a credit holds more); never below zero."""
        after: dict[int, Decimal] = {}
        for line in pending.lines:
            if line.deposit_account is not None:
                pk = line.deposit_account.pk
                after[pk] = after.get(pk, self.deposit_held(pk)) - line.amount
        for pk, held in after.items():
            if held < ZERO:
                number = self._accounts[pk].number
                raise PostingRefused(
                    f"Account {number} holds a deposit of {self.deposit_held(pk)}: "
                    "more cannot be applied or refunded."
                )
        self._deposits.update(after)
        pending.deposits_after = after

    def _validate_line(self, line: Line, kind: str) -> None:
        if not line.amount.is_finite() or abs(line.amount) >= LINE_LIMIT:
            raise PostingRefused("A line amount is larger than the ledger holds.")
        if line.amount == ZERO or line.amount != line.amount.quantize(Decimal("0.01")):
            raise PostingRefused("Each line must be a non-zero amount in whole cents.")
        customer_gl = line.gl_account.role in CUSTOMER_ROLES
        if customer_gl != (line.account is not None):
            raise PostingRefused("Receivable and credit lines, and only those, name an account.")
        if (line.gl_account.role == GLRole.DEPOSITS_HELD) != (line.deposit_account is not None):
            raise PostingRefused("Deposit lines, and only those, name the account holding it.")
        if line.deposit_account is not None and line.deposit_account.pk not in self._accounts:
            raise PostingRefused("Lock the account before posting to it.")
        if line.gl_account.role == GLRole.RECEIVABLE and (
            line.service is None or line.service.receivable_gl_id != line.gl_account.pk
        ):
            raise PostingRefused("A receivable line must name its service's receivable GL.")
        if line.account is None:
            return
        if line.account.pk not in self._accounts:
            raise PostingRefused("Lock the account before posting to it.")
        locked = self._accounts[line.account.pk]
        if locked.status == AccountStatus.CLOSED and kind != TransactionKind.REVERSAL:
            raise PostingRefused(f"Account {locked.number} is closed: nothing can be posted to it.")

    def _apply(self, pending: _Pending) -> list[int]:
        touched: list[int] = []
        for line in pending.lines:
            if line.account is None:
                continue
            account_id = line.account.pk
            self._books[account_id].apply(
                amount=line.amount, service_id=line.service.pk if line.service else None
            )
            if account_id not in touched:
                touched.append(account_id)
        for account_id in touched:
            pending.balances_after[account_id] = self._books[account_id].balance
        return touched

    def _settle_credit(self, account_id: int, *, after: _Pending) -> None:
        book = self._books[account_id]
        targets = self._recent_credit_targets(account_id) if book.unapplied > ZERO else []
        moves = credit_moves(book, self.services, targets)
        if not moves:
            return
        account = self._accounts[account_id]
        by_pk = {s.pk: s for s in self.services}
        lines = [
            self.receivable_line(account, amount, by_pk[sid] if sid else None)
            for sid, amount in moves
        ]
        pending = _Pending(
            TransactionKind.CREDIT_APPLICATION,
            f"Credit settled on account {account.number} after: {after.memo}"[:500],
            after.source,
            lines,
            None,
        )
        self._apply(pending)
        self._pending.append(pending)

    def _recent_credit_targets(self, account_id: int) -> list[tuple[int, Decimal]]:
        """Where credit was applied to services, newest first (queued, then saved)."""
        targets: list[tuple[int, Decimal]] = []
        for pending in reversed(self._pending):
            if pending.kind == TransactionKind.CREDIT_APPLICATION:
                targets += [
                    (line.service.pk, -line.amount)
                    for line in pending.lines
                    if line.account
                    and line.account.pk == account_id
                    and line.service
                    and line.amount < 0
                ]
        saved = (
            JournalEntry.objects.filter(
                account_id=account_id,
                service__isnull=False,
                amount__lt=0,
                transaction__kind=TransactionKind.CREDIT_APPLICATION,
            )
            .order_by("-transaction_id")
            .values_list("service_id", "amount")[:50]
        )
        return targets + [(sid, -amount) for sid, amount in saved]

    # -- writing -------------------------------------------------------------
    def flush(self) -> list[JournalTransaction]:
        """Write every queued transaction, its entries, balances and history rows."""
        if not self._pending:
            return []
        todo = [p for p in self._pending if p.saved is None]
        saved = JournalTransaction.objects.bulk_create(
            [
                JournalTransaction(
                    business_date=self.business_date,
                    kind=p.kind,
                    memo=p.memo,
                    source=p.source,
                    created_by=self.user,
                    reversal_of=p.reversal_of,
                )
                for p in todo
            ]
        )
        for p, txn in zip(todo, saved, strict=True):
            p.saved = txn
        JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    transaction=p.saved,
                    gl_account=line.gl_account,
                    amount=Money(line.amount, CURRENCY),
                    account=line.account,
                    service=line.service,
                    deposit_account=line.deposit_account,
                )
                for p in todo
                for line in p.lines
            ]
        )
        self._write_balances(todo)
        self._write_deposits(todo)
        return [p.saved for p in todo if p.saved is not None]

    def _write_balances(self, todo: list[_Pending]) -> None:
        snapshots: list[Account] = []
        now = timezone.now()
        last: dict[int, Decimal] = {}
        for p in todo:
            for account_id, balance in p.balances_after.items():
                before = last.get(account_id, self._accounts[account_id].balance.amount)
                last[account_id] = balance
                if balance == before:
                    continue
                snap = copy.copy(self._accounts[account_id])
                snap.balance = Money(balance, CURRENCY)
                snap._history_user = self.user
                snap._change_reason = f"Transaction #{p.saved.pk} ({p.kind}): {p.memo}"  # type: ignore[union-attr]
                snap._history_date = now
                snapshots.append(snap)
        changed = []
        for account_id, balance in last.items():
            account = self._accounts[account_id]
            if account.balance.amount != balance:
                account.balance = Money(balance, CURRENCY)
                changed.append(account)
        # One UPDATE for all the accounts (a lockbox chunk touches hundreds); the
        # history rows for each change are written just below, one per transaction.
        if changed:
            table = Account._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS a SET balance = v.balance "
                    "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, balance) WHERE a.id = v.id",
                    ([a.pk for a in changed], [a.balance.amount for a in changed]),
                )
        if snapshots:
            Account.history.bulk_history_create(snapshots, update=True)

    def _write_deposits(self, todo: list[_Pending]) -> None:
        """Each change of a deposit held, saved with its history row (deposits are rare)."""
        for p in todo:
            for pk, held in p.deposits_after.items():
                row = DepositHeld(account_id=pk, amount=Money(held, CURRENCY))
                row._history_user = self.user  # type: ignore[attr-defined]
                row._change_reason = f"Transaction #{p.saved.pk} ({p.kind}): {p.memo}"  # type: ignore[attr-defined,union-attr]
                row.save()
