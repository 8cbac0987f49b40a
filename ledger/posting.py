"""The one place that writes journal rows and customer balances.

``LedgerWriter`` locks the customer accounts it touches (``SELECT ... FOR
UPDATE`` in primary-key order, so concurrent writers never deadlock), keeps each
account's book in memory, validates every transaction before anything is
written, keeps unapplied credit in its resting shape after each posting, and
writes everything in a few bulk statements on ``flush()``. Every balance change
gets a history row naming the acting user and the transaction.

Use it only inside ``transaction.atomic()``; the public entry points are in
``ledger.services``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS, ZERO

from .allocation import AccountBook, credit_moves
from .choices import CUSTOMER_ROLES, GLRole, TransactionKind
from .errors import PostingRefused
from .models import GLAccount, JournalEntry, JournalTransaction, Service
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


@dataclass
class _Pending:
    kind: str
    memo: str
    source: str
    lines: list[Line]
    reversal_of: JournalTransaction | None
    balances_after: dict[int, Decimal] = field(default_factory=dict)
    saved: JournalTransaction | None = None


class LedgerWriter:
    """Collects postings for one database transaction and writes them on flush()."""

    def __init__(self, *, acting_user: Any, business_date: date | None = None) -> None:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("LedgerWriter must run inside transaction.atomic()")
        self.user = acting_user
        self.business_date = business_date or current_business_date()
        self.accounts: dict[int, Account] = {}
        self.books: dict[int, AccountBook] = {}
        self.pending: list[_Pending] = []
        self.chart = chart()
        self.services = list(self.chart.services)
        self.unapplied_gl = self.chart.gl(GLRole.UNAPPLIED_CREDIT)

    # -- accounts -----------------------------------------------------------
    def lock(self, accounts: Iterable[Account | int]) -> list[Account]:
        """Lock and load accounts not yet held; returns them all in the order given."""
        ids = [a if isinstance(a, int) else a.pk for a in accounts]
        missing = sorted(set(ids) - self.accounts.keys())
        if missing:
            locked = Account.objects.select_for_update().filter(pk__in=missing).order_by("pk")
            for account in locked:
                self.accounts[account.pk] = account
                self.books[account.pk] = AccountBook(balance=account.balance.amount)
            self._load_books(missing)
        return [self.accounts[i] for i in ids]

    def _load_books(self, ids: list[int]) -> None:
        rows = (
            JournalEntry.objects.filter(account_id__in=ids)
            .values("account_id", "service_id")
            .annotate(total=Sum("amount"))
        )
        for row in rows:
            book = self.books[row["account_id"]]
            if row["service_id"] is None:
                book.unapplied = row["total"]
            else:
                book.open_by_service[row["service_id"]] = row["total"]

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
    ) -> _Pending:
        """Queue one balanced transaction, then settle credit on the accounts it touched."""
        self._validate(kind, lines, memo, reversal_of)
        pending = _Pending(kind, memo[:500], source[:100], list(lines), reversal_of)
        touched = self._apply(pending)
        self.pending.append(pending)
        for account_id in touched:
            self._settle_credit(account_id, after=pending)
        return pending

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

    def _validate_line(self, line: Line, kind: str) -> None:
        if not line.amount.is_finite() or abs(line.amount) >= LINE_LIMIT:
            raise PostingRefused("A line amount is larger than the ledger holds.")
        if line.amount == ZERO or line.amount != line.amount.quantize(Decimal("0.01")):
            raise PostingRefused("Each line must be a non-zero amount in whole cents.")
        customer_gl = line.gl_account.role in CUSTOMER_ROLES
        if customer_gl != (line.account is not None):
            raise PostingRefused("Receivable and credit lines, and only those, name an account.")
        if line.gl_account.role == GLRole.RECEIVABLE and (
            line.service is None or line.service.receivable_gl_id != line.gl_account.pk
        ):
            raise PostingRefused("A receivable line must name its service's receivable GL.")
        if line.account is None:
            return
        if line.account.pk not in self.accounts:
            raise PostingRefused("Lock the account before posting to it.")
        locked = self.accounts[line.account.pk]
        if locked.status == AccountStatus.CLOSED and kind != TransactionKind.REVERSAL:
            raise PostingRefused(f"Account {locked.number} is closed: nothing can be posted to it.")

    def _apply(self, pending: _Pending) -> list[int]:
        touched: list[int] = []
        for line in pending.lines:
            if line.account is None:
                continue
            account_id = line.account.pk
            self.books[account_id].apply(
                amount=line.amount, service_id=line.service.pk if line.service else None
            )
            if account_id not in touched:
                touched.append(account_id)
        for account_id in touched:
            pending.balances_after[account_id] = self.books[account_id].balance
        return touched

    def _settle_credit(self, account_id: int, *, after: _Pending) -> None:
        book = self.books[account_id]
        targets = self._recent_credit_targets(account_id) if book.unapplied > ZERO else []
        moves = credit_moves(book, self.services, targets)
        if not moves:
            return
        account = self.accounts[account_id]
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
        self.pending.append(pending)

    def _recent_credit_targets(self, account_id: int) -> list[tuple[int, Decimal]]:
        """Where credit was applied to services, newest first (queued, then saved)."""
        targets: list[tuple[int, Decimal]] = []
        for pending in reversed(self.pending):
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
        if not self.pending:
            return []
        todo = [p for p in self.pending if p.saved is None]
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
                )
                for p in todo
                for line in p.lines
            ]
        )
        self._write_balances(todo)
        return [p.saved for p in todo if p.saved is not None]

    def _write_balances(self, todo: list[_Pending]) -> None:
        snapshots: list[Account] = []
        now = timezone.now()
        last: dict[int, Decimal] = {}
        for p in todo:
            for account_id, balance in p.balances_after.items():
                before = last.get(account_id, self.accounts[account_id].balance.amount)
                last[account_id] = balance
                if balance == before:
                    continue
                snap = copy.copy(self.accounts[account_id])
                snap.balance = Money(balance, CURRENCY)
                snap._history_user = self.user
                snap._change_reason = f"Transaction #{p.saved.pk} ({p.kind}): {p.memo}"  # type: ignore[union-attr]
                snap._history_date = now
                snapshots.append(snap)
        changed = []
        for account_id, balance in last.items():
            account = self.accounts[account_id]
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
