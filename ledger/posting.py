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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache, cached_property

from django.contrib.auth.models import User
from django.db import connection, transaction
from djmoney.money import Money

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS, ZERO

from .allocation import AccountBook, OpenAmounts, credit_moves
from .amounts import check_amount
from .choices import CUSTOMER_ROLES, GLRole, TransactionKind
from .errors import PostingRefused
from .models import (
    DepositHeld,
    GLAccount,
    JournalEntry,
    JournalTransaction,
    Service,
)
from .reference import chart
from .selectors import current_business_date
from .writing import FlushArrays, write_flush

# The journal column holds MAX_DIGITS digits; quantize() raises on larger numbers.
LINE_LIMIT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)
# ``TransactionKind.values`` builds a new list on every read (a quarter of a millisecond a
# posting in a bill run's chunk): the kinds are fixed, so they are read once.
KINDS = frozenset(TransactionKind.values)


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
    pk: int | None = None  # set by flush()
    created_at: datetime | None = None
    saved: JournalTransaction | None = None  # built when first asked for


@cache
def _lock_sql() -> tuple[str, str, list[str]]:
    fields = Account._meta.concrete_fields
    columns = ", ".join(str(f.column) for f in fields)
    table = Account._meta.db_table
    lock = f"SELECT {columns} FROM {table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"
    # One flat row per open amount (a row of NULLs for an account with none), the open day
    # on each: arrays of numerics per account cost three times as much to read back.
    open_amounts = (
        "SELECT v.id, o.service_id, o.amount,"
        " (SELECT d.date FROM ledger_businessday d WHERE d.status = 'open')"
        " FROM unnest(%s::bigint[]) AS v(id)"
        " LEFT JOIN ledger_accountopen o ON o.account_id = v.id ORDER BY v.id, o.id"
    )
    return lock, open_amounts, [f.attname for f in fields]


def _book(account: Account, amounts: list[tuple[int | None, Decimal]]) -> AccountBook:
    book = AccountBook(balance=account.balance.amount)  # type: ignore[attr-defined]
    for service_id, amount in amounts:
        if service_id is None:
            book.unapplied = amount
        else:
            book.open_by_service[service_id] = amount
    return book


def _no_open_day() -> date:
    raise PostingRefused("No business day is open. A supervisor must open one first.")


class LedgerWriter:
    """Collects postings for one database transaction and writes them on flush()."""

    def __init__(self, *, acting_user: User, business_date: date | None = None) -> None:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("LedgerWriter must run inside transaction.atomic()")
        self.user = acting_user
        self._business_date = business_date  # read with the first lock when not given
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
            for account, book, day in self._lock_query(missing):
                self._accounts[account.pk] = account
                self._books[account.pk] = book
                if self._business_date is None:
                    self._business_date = day or _no_open_day()
        return [self._accounts[i] for i in ids]

    def _lock_query(self, ids: list[int]) -> list[tuple[Account, AccountBook, date | None]]:
        """The rows locked in key order, then their open amounts and the open business day.

        Plain SQL built once per process (compiling the ORM query cost more than
        running it). Two statements, not one: a statement reads from the snapshot
        it started with, so open amounts read beside ``FOR UPDATE`` could predate
        the posting that held the lock; the second statement starts after the
        lock is ours and sees everything committed before.
        """
        lock_sql, open_sql, names = _lock_sql()
        with connection.cursor() as cursor:
            cursor.execute(lock_sql, [ids])
            rows = cursor.fetchall()
            cursor.execute(open_sql, [ids])
            found = cursor.fetchall()
        day = found[0][3] if found else None
        opened: dict[int, list[tuple[int | None, Decimal]]] = {}
        for pk, service_id, amount, _day in found:
            amounts = opened.setdefault(pk, [])
            if amount is not None:
                amounts.append((service_id, amount))
        locked = []
        for row in rows:
            account = Account.from_db(connection.alias, names, row)
            locked.append((account, _book(account, opened[account.pk]), day))
        return locked

    @property
    def business_date(self) -> date:
        """The open business day every posting of this writer is dated into."""
        if self._business_date is None:
            self._business_date = current_business_date()
        return self._business_date

    def account(self, account: Account | int) -> Account:
        """The locked account row (as it is now, under this writer's lock)."""
        pk = account if isinstance(account, int) else account.pk
        if pk not in self._accounts:
            raise PostingRefused("Lock the account before reading or posting to it.")
        return self._accounts[pk]

    def open_amounts(self, account: Account | int) -> OpenAmounts:
        """A locked account's balance, credit and open services, including queued postings."""
        return OpenAmounts.of(self._books[self.account(account).pk])

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
        return self._queue(pending)

    def post_charges(
        self,
        *,
        kind: str,
        account: Account | int,
        charges: Sequence[tuple[Service, Decimal]],
        memo: str,
        source: str = "",
    ) -> Queued:
        """Queue one account's charges: per service, debit its receivable, credit its revenue.

        The path of bill runs, late fees and notices (10,000 postings a chunk). The
        writer builds these lines itself, so it checks what the caller gives (the
        kind, the memo, each amount, the account locked and not closed) and not
        again what holds by construction (two lines a charge summing to zero, on
        the service's receivable and revenue GLs). A service the writer's chart
        does not know as chargeable goes through :meth:`post`, which checks every line.
        """
        locked = self.account(account)
        lines = self.charge_lines(locked, charges)
        known = self._chargeable
        if not all(known.get(s.pk) == (s.receivable_gl_id, s.revenue_gl_id) for s, _ in charges):
            return self.post(kind=kind, lines=lines, memo=memo, source=source)
        self._validate_head(kind, lines, memo, None)
        if locked.status == AccountStatus.CLOSED and kind != TransactionKind.REVERSAL:
            raise PostingRefused(f"Account {locked.number} is closed: nothing can be posted to it.")
        return self._queue(_Pending(kind, memo[:500], source[:100], lines, None))

    def charge_lines(
        self, account: Account, charges: Sequence[tuple[Service, Decimal]]
    ) -> list[Line]:
        """Per service: debit the account's receivable, credit the service's revenue."""
        lines: list[Line] = []
        for service, amount in charges:
            check_amount(amount, what=f"{service.name} charge")
            lines.append(self.receivable_line(account, amount, service))
            lines.append(Line(gl_account=service.revenue_gl, amount=-amount))
        return lines

    @cached_property
    def _chargeable(self) -> dict[int, tuple[int, int]]:
        """Services whose GLs make a valid charge: id -> (receivable GL, revenue GL)."""
        return {
            s.pk: (s.receivable_gl_id, s.revenue_gl_id)
            for s in self.services
            if s.receivable_gl.role == GLRole.RECEIVABLE
            and s.revenue_gl.role not in CUSTOMER_ROLES
            and s.revenue_gl.role != GLRole.DEPOSITS_HELD
        }

    def _queue(self, pending: _Pending) -> Queued:
        """Queue a checked posting, then settle credit on the accounts it touched."""
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
        """The journal row a queued posting was saved as (after :meth:`flush`).

        Built when first asked for: a bill run's chunk that only counts what it
        posted does not pay for 10,000 model instances.
        """
        p = self._pending[queued.position]
        if p.pk is None:
            raise RuntimeError("flush() the writer before asking for the saved transaction")
        if p.saved is None:
            p.saved = self._saved(p)
        return p.saved

    def transaction_id_of(self, queued: Queued) -> int:
        """The id of the journal row a queued posting was saved as (no model built)."""
        pk = self._pending[queued.position].pk
        if pk is None:
            raise RuntimeError("flush() the writer before asking for the saved transaction")
        return pk

    def receivable_line(self, account: Account, amount: Decimal, service: Service | None) -> Line:
        """A customer line: on the service's receivable GL, or unapplied credit when no service."""
        gl = service.receivable_gl if service else self.unapplied_gl
        return Line(gl_account=gl, amount=amount, account=account, service=service)

    def _validate(
        self, kind: str, lines: Sequence[Line], memo: str, reversal_of: JournalTransaction | None
    ) -> None:
        self._validate_head(kind, lines, memo, reversal_of)
        if sum((line.amount for line in lines), ZERO) != ZERO:
            raise PostingRefused("The lines of a transaction must sum to zero.")
        for line in lines:
            self._validate_line(line, kind)

    def _validate_head(
        self, kind: str, lines: Sequence[Line], memo: str, reversal_of: JournalTransaction | None
    ) -> None:
        if kind not in KINDS:
            raise PostingRefused(f"Unknown transaction kind {kind!r}.")
        if not memo.strip():
            raise PostingRefused("Every transaction needs a memo saying why.")
        if len(lines) < 2:
            raise PostingRefused("A transaction needs at least two lines.")
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
        opened = book.open_by_service.values()
        if all(v >= ZERO for v in opened) and (
            book.unapplied == ZERO or (book.unapplied < ZERO and all(v == ZERO for v in opened))
        ):
            return  # at rest: no service in credit, and no credit or nothing owed to apply it to
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
    def flush(self) -> int:
        """Write every queued transaction, its entries, balances and history rows.

        One statement (``ledger.writing``) however many postings are queued.
        Returns how many transactions were written (:meth:`transaction_of` names each).
        """
        todo = [p for p in self._pending if p.pk is None]
        if not todo:
            return 0
        arrays = FlushArrays()
        for ord_, p in enumerate(todo, start=1):
            arrays.kinds.append(p.kind)
            arrays.memos.append(p.memo)
            arrays.sources.append(p.source)
            arrays.reversals.append(p.reversal_of.pk if p.reversal_of else None)
            for line in p.lines:
                arrays.e_ord.append(ord_)
                arrays.e_gl.append(line.gl_account.pk)
                arrays.e_amount.append(line.amount)
                arrays.e_account.append(line.account.pk if line.account else None)
                arrays.e_service.append(line.service.pk if line.service else None)
                arrays.e_deposit.append(line.deposit_account.pk if line.deposit_account else None)
        self._balance_arrays(todo, arrays)
        ids, created_at = write_flush(arrays, user=self.user, business_date=self.business_date)
        for p, pk in zip(todo, ids, strict=True):
            p.pk, p.created_at = pk, created_at
        self._write_deposits(todo)
        return len(todo)

    def _saved(self, p: _Pending) -> JournalTransaction:
        txn = JournalTransaction(
            pk=p.pk,
            business_date=self.business_date,
            kind=p.kind,
            memo=p.memo,
            source=p.source,
            created_by=self.user,
            created_at=p.created_at,
            reversal_of=p.reversal_of,
        )
        txn._state.adding = False
        txn._state.db = connection.alias
        return txn

    def _balance_arrays(self, todo: list[_Pending], arrays: FlushArrays) -> None:
        """Final balances that changed, and one history row per transaction that moved one."""
        last: dict[int, Decimal] = {}
        for ord_, p in enumerate(todo, start=1):
            for account_id, balance in p.balances_after.items():
                before = last.get(account_id, self._accounts[account_id].balance.amount)
                last[account_id] = balance
                if balance != before:
                    arrays.h_account.append(account_id)
                    arrays.h_ord.append(ord_)
                    arrays.h_balance.append(balance)
                    arrays.h_reason.append(f"({p.kind}): {p.memo}")
        moved = set(arrays.h_account)
        for account_id, balance in last.items():
            account = self._accounts[account_id]
            if account.balance.amount != balance or account_id in moved:
                account.balance = Money(balance, CURRENCY)
                arrays.b_account.append(account_id)
                arrays.b_balance.append(balance)

    def _write_deposits(self, todo: list[_Pending]) -> None:
        """Each change of a deposit held, saved with its history row (deposits are rare)."""
        for p in todo:
            for pk, held in p.deposits_after.items():
                row = DepositHeld(account_id=pk, amount=Money(held, CURRENCY))
                row._history_user = self.user  # type: ignore[attr-defined]
                row._change_reason = f"Transaction #{p.pk} ({p.kind}): {p.memo}"  # type: ignore[attr-defined]
                row.save()
