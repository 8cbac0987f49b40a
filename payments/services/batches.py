"""Mail batches and lockbox files: payments without a drawer.

Mail: a coordinator states the batch's control count and total, keys the stubs
(account, amount, check number), and posts. Posting is refused until the stubs
match the control figures, then posts every stub in one database transaction
(all or nothing); a posted batch never posts again.

Lockbox: ``lockbox_import`` refuses a file already imported (SHA-256 of its
bytes; concurrent uploads wait for each other, so the refusal holds under a
race) and skips rows whose bank key (deposit date/batch/sequence) was imported
before, and records a long task (``billing_site.common.tasks``) for the rows;
``lockbox_post_pending`` runs it: chunk N is rows N*CHUNK.. in line order, each
chunk its own transaction (under a lock on the batch row) committed with the
chunk's record, so a retried, doubled or resumed task never posts a row twice and
a killed worker's task carries on from its last committed chunk. Rows that cannot
post as they stand become exceptions (and the task's per-item errors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from djmoney.money import Money

from accounts.choices import AccountStatus
from accounts.models import Account
from accounts.selectors import account_by_number
from billing_site.common.bulk import copy_values, update_values
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.models import LongTask
from billing_site.common.money import CURRENCY, ZERO
from billing_site.common.numbering import next_number
from billing_site.common.roles import require_perm
from billing_site.common.tasks import (
    ChunkResult,
    ItemError,
    long_task_for,
    run_long_task,
    start_long_task,
)
from ledger.choices import GLRole, TransactionKind
from ledger.services import (
    LedgerWriter,
    refresh_planner_statistics,
    writer_for,
)

from ..choices import BatchKind, BatchStatus, ItemStatus
from ..lockbox import LockboxFormatError, LockboxRow, file_hash, parse_lockbox
from ..models import RemittanceBatch, RemittanceItem
from ..selectors import cash_only_ids, is_cash_only
from ._common import amount_for, refuse, today
from .billed_deposit import (
    BilledDeposits,
    DepositReceived,
    billed_deposits_due,
    billed_deposits_received,
)

PERM = "payments.manage_batches"
# Rows per lockbox chunk: a chunk's fixed cost (locks, commit, the work queue's look at the
# batch) measured about 70 ms, so 500-row chunks spent a third of the time on it; a
# 2,000-row chunk holds its accounts' locks for about half a second.
CHUNK = 2000
LOCKBOX_TASK = "payments.lockbox_post"
VIEW_BATCHES = "payments.view_remittancebatch"


@transaction.atomic
def batch_create(
    *, control_count: int, control_total: Decimal, acting_user: User
) -> RemittanceBatch:
    require_perm(acting_user, PERM)
    if control_count <= 0:
        raise refuse("control_count", "Count the stubs in the batch: 1 or more.")
    amount_for("control_total", control_total, what="Control total")
    return RemittanceBatch.objects.create(
        number=next_number("payments.batch"),
        kind=BatchKind.MAIL,
        created_by=acting_user,
        control_count=control_count,
        control_total=Money(control_total, CURRENCY),
    )


def _open_mail_batch(batch: RemittanceBatch) -> RemittanceBatch:
    batch = RemittanceBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.kind != BatchKind.MAIL or batch.status != BatchStatus.OPEN:
        raise refuse(None, f"Batch {batch.number} is {batch.get_status_display().lower()}.")
    return batch


@transaction.atomic
def batch_add_item(
    *,
    batch: RemittanceBatch,
    account_text: str,
    amount: Decimal,
    check_number: str,
    acting_user: User,
) -> RemittanceItem:
    """Key one stub; the account must exist, be open and accept checks."""
    require_perm(acting_user, PERM)
    refuse_card_numbers(account=account_text, check_number=check_number)
    batch = _open_mail_batch(batch)
    account = _stub_account(account_text)
    amount_for("amount", amount)
    if not check_number.strip():
        raise refuse("check_number", "Enter the check number from the stub.")
    last = batch.items.aggregate(n=Max("line_number"))["n"] or 0
    return RemittanceItem.objects.create(
        batch=batch,
        line_number=last + 1,
        account_text=account.number,
        account=account,
        amount=Money(amount, CURRENCY),
        check_number=check_number.strip()[:30],
    )


def _account_problem(account: Account) -> str:
    if account.status == AccountStatus.CLOSED:
        return f"Account {account.number} is closed; it takes no payments."
    if is_cash_only(account, on=today()):
        return f"Account {account.number} is cash only: return the check to the customer."
    return ""


@transaction.atomic
def batch_edit_item(
    *,
    item: RemittanceItem,
    account_text: str,
    amount: Decimal,
    check_number: str,
    acting_user: User,
) -> RemittanceItem:
    """Correct a mistyped stub in place; it keeps its line number."""
    require_perm(acting_user, PERM)
    refuse_card_numbers(account=account_text, check_number=check_number)
    _open_mail_batch(item.batch)
    item = RemittanceItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.PENDING:
        raise refuse(None, f"Line {item.line_number} is {item.get_status_display().lower()}.")
    account = _stub_account(account_text)
    amount_for("amount", amount)
    if not check_number.strip():
        raise refuse("check_number", "Enter the check number from the stub.")
    item.account_text = account.number
    item.account = account
    item.amount = Money(amount, CURRENCY)
    item.check_number = check_number.strip()[:30]
    item.save(update_fields=["account_text", "account", "amount", "check_number"])
    return item


def _stub_account(account_text: str) -> Account:
    account = account_by_number(account_text)
    if account is None:
        raise refuse("account", f"No account numbered {account_text.strip()!r}.")
    problem = _account_problem(account)
    if problem:
        raise refuse("account", problem)
    return account


@transaction.atomic
def batch_cancel(*, batch: RemittanceBatch, reason: str, acting_user: User) -> RemittanceBatch:
    """Cancel an open mail batch (empty or keyed by mistake); nothing of it ever posts.

    Its stubs stay, unposted, for the record; the closeout of the day lists it as
    cancelled with the reason.
    """
    require_perm(acting_user, PERM)
    refuse_card_numbers(reason=reason)
    batch = _open_mail_batch(batch)
    if not reason.strip():
        raise refuse("reason", "Say why the batch is cancelled.")
    batch.status = BatchStatus.CANCELLED
    batch.cancelled_by = acting_user
    batch.cancelled_at = timezone.now()
    batch.cancel_reason = reason.strip()[:300]
    batch.business_date = today()
    batch.save(
        update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason", "business_date"]
    )
    return batch


@transaction.atomic
def batch_remove_item(*, item: RemittanceItem, acting_user: User) -> None:
    require_perm(acting_user, PERM)
    _open_mail_batch(item.batch)
    RemittanceItem.objects.filter(pk=item.pk, status=ItemStatus.PENDING).delete()


@transaction.atomic
def batch_post(*, batch: RemittanceBatch, acting_user: User) -> RemittanceBatch:
    """Post every stub of a mail batch, or nothing, once the control figures match."""
    require_perm(acting_user, PERM, "ledger.post_transaction")
    batch = _open_mail_batch(batch)
    items = list(batch.items.select_related("account").order_by("line_number"))
    keyed = sum((i.amount.amount for i in items), ZERO)
    control = batch.control_total.amount
    if len(items) != batch.control_count or keyed != control:
        raise refuse(
            None,
            f"The stubs do not match the control figures: {len(items)} stubs for {keyed} "
            f"against {batch.control_count} for {control} (difference {keyed - control}). "
            "Nothing was posted.",
        )
    writer = writer_for(acting_user)
    _post_items(writer, items, batch)
    _finish(batch, acting_user, writer)
    return batch


class _Stub(Protocol):
    """What posting reads and sets of a stub: a ``RemittanceItem`` or a lockbox :class:`_Row`."""

    pk: int
    line_number: int
    check_number: str
    amount: Money
    transaction_id: int | None
    status: str
    business_date: Any

    @property
    def account_id(self) -> int | None: ...


@dataclass
class _Row:
    """A pending lockbox row as a chunk reads it: values, not a model (2,000 models of a
    chunk cost 24 ms to build against 6 for their values)."""

    pk: int
    line_number: int
    account_text: str
    amount: Money
    check_number: str
    status: str
    account: Account | None = None
    problem: str = ""
    transaction_id: int | None = None
    business_date: Any = None

    @property
    def account_id(self) -> int | None:
        return self.account.pk if self.account is not None else None


def _post_items(writer: LedgerWriter, items: Sequence[_Stub], batch: Any) -> None:
    """One payment transaction per item, written in one flush."""
    writer.lock([i.account_id for i in items])  # type: ignore[misc]
    cash = writer.chart.gl(GLRole.CASH)
    ids = sorted({i.account_id for i in items if i.account_id is not None})
    splitter = BilledDeposits(writer, prefetch=ids)
    queued = []
    billed: list[tuple[_Stub, Decimal]] = []
    for item in items:
        account = writer.account(item.account_id)  # type: ignore[arg-type]
        lines, to_deposit = splitter.lines(account, item.amount.amount, cash)
        if to_deposit > ZERO:
            billed.append((item, to_deposit))
        memo = f"Batch {batch.number} line {item.line_number}: check {item.check_number}"
        queued.append(
            writer.post(
                kind=TransactionKind.PAYMENT,
                lines=lines,
                memo=memo,
                source=f"batch {batch.number}",
            )
        )
    writer.flush()
    for item, posted in zip(items, queued, strict=True):
        item.transaction_id = writer.transaction_id_of(posted)
        item.status = ItemStatus.POSTED
        item.business_date = writer.business_date
    _mark_posted(items, writer.business_date)
    billed_deposits_received(
        [
            DepositReceived(
                item.account_id,  # type: ignore[arg-type]
                amount,
                item.transaction_id,  # type: ignore[arg-type]
                writer.business_date,
                f"batch {batch.number} line {item.line_number}",
            )
            for item, amount in billed
        ],
        writer.user,
    )


def _mark_posted(items: Sequence[_Stub], business_date: Any) -> None:
    """One ``UPDATE ... FROM unnest`` (``bulk_update``'s CASE chains are slow at 500 rows)."""
    update_values(
        RemittanceItem,
        ["status", "business_date", "transaction", "account"],
        [(i.pk, ItemStatus.POSTED, business_date, i.transaction_id, i.account_id) for i in items],
    )


def _finish(batch: RemittanceBatch, acting_user: User, writer: LedgerWriter | None) -> None:
    batch.status = BatchStatus.POSTED
    batch.posted_by = acting_user
    batch.posted_at = timezone.now()
    batch.business_date = writer.business_date if writer else today()
    batch.save(update_fields=["status", "posted_by", "posted_at", "business_date"])


# -- lockbox ------------------------------------------------------------------


@transaction.atomic
def lockbox_import(*, file_name: str, data: bytes, acting_user: User) -> RemittanceBatch:
    """Read and store a lockbox file as a batch of pending rows (posted by a task)."""
    require_perm(acting_user, PERM)
    refuse_card_numbers(file=file_name)  # the rows are checked by parse_lockbox
    digest = file_hash(data)
    _wait_for_other_imports()
    earlier = RemittanceBatch.objects.filter(file_sha256=digest).first()
    if earlier is not None:
        when = timezone.localtime(earlier.created_at)
        raise refuse(
            "file",
            f"This file was already imported as batch {earlier.number} on "
            f"{when:%b %d, %Y at %H:%M}; nothing was posted again.",
        )
    try:
        rows = parse_lockbox(data)
    except LockboxFormatError as error:
        raise refuse("file", str(error)) from None
    known = set(
        RemittanceItem.objects.filter(row_key__in=[r.key for r in rows]).values_list(
            "row_key", flat=True
        )
    )
    fresh = [r for r in rows if r.key not in known]
    batch = RemittanceBatch.objects.create(
        number=next_number("payments.batch"),
        kind=BatchKind.LOCKBOX,
        status=BatchStatus.IMPORTING,
        created_by=acting_user,
        file_name=file_name[:200],
        file_sha256=digest,
        control_count=len(rows),
        control_total=Money(sum((r.amount for r in rows), ZERO), CURRENCY),
        rows_total=len(fresh),
        rows_skipped=len(rows) - len(fresh),
    )
    _insert_rows(batch, fresh)
    _start_lockbox_task(batch, acting_user)
    return batch


def _insert_rows(batch: RemittanceBatch, rows: Sequence[LockboxRow]) -> None:
    """The file's rows as pending items in one ``COPY`` (a ``bulk_create`` of 10,000 items
    built a model and bound eight parameters per row)."""
    copy_values(
        RemittanceItem,
        (
            {
                "batch_id": batch.pk,
                "line_number": r.line,
                "account_text": r.account,
                "amount": r.amount,
                "amount_currency": CURRENCY,
                "check_number": r.check_number,
                "remitter": r.remitter,
                "row_key": r.key,
                "status": ItemStatus.PENDING,
                "problem": "",
                "resolution": "",
            }
            for r in rows
        ),
    )


def _wait_for_other_imports() -> None:
    """Take the lockbox-import lock for the rest of this transaction.

    Two uploads of one file (a double click, two coordinators) would both find no
    earlier batch and then collide on the unique file hash or row keys: an
    IntegrityError instead of an answer. Under this lock the second waits for the
    first to commit, then sees its batch (READ COMMITTED reads afresh per
    statement) and is told in words. Imports are a few a day: one lock for all.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('payments.lockbox_import'))")


def _start_lockbox_task(batch: RemittanceBatch, acting_user: User) -> LongTask:
    return start_long_task(
        kind=LOCKBOX_TASK,
        subject=batch,
        total=batch.rows_total,
        chunk_size=CHUNK,
        label=f"Lockbox import, batch {batch.number}",
        view_permission=VIEW_BATCHES,
        acting_user=acting_user,
    )


def lockbox_task(batch: RemittanceBatch) -> LongTask | None:
    """The task posting a lockbox batch's rows (None for mail batches)."""
    if batch.kind != BatchKind.LOCKBOX:
        return None
    return long_task_for(kind=LOCKBOX_TASK, subject=batch)


def lockbox_post_pending(*, batch: RemittanceBatch, acting_user: User) -> RemittanceBatch:
    """Post the batch's pending rows chunk by chunk; safe to run again after a failure.

    Runs the batch's long task here, as ``acting_user`` (a person retrying); it
    returns at once when another worker is running it.
    """
    require_perm(acting_user, PERM, "ledger.post_transaction")
    if batch.kind != BatchKind.LOCKBOX:  # a mail batch posts only through its control check
        raise refuse(None, f"Batch {batch.number} is not a lockbox file.")
    task = lockbox_task(batch)
    if task is None:  # imported before lockbox imports were long tasks
        task = _start_lockbox_task(batch, acting_user)
        LongTask.objects.filter(pk=task.pk).update(done=min(batch.rows_done, batch.rows_total))
    run_long_task(task=task, acting_user=acting_user)
    return RemittanceBatch.objects.get(pk=batch.pk)


def lockbox_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Chunk ``number`` of a lockbox task (run by the task runner in its transaction).

    The permission is checked again for every chunk: a resumed task runs as the
    person who started or retried it, who may have lost the role since.
    """
    require_perm(acting_user, PERM, "ledger.post_transaction")
    return _post_chunk(int(task.subject_id), number, task.chunk_size, acting_user)


@transaction.atomic
def lockbox_finish(*, task: LongTask, acting_user: User) -> None:
    """Every chunk is done: the batch is posted (its exceptions wait for a person)."""
    batch = RemittanceBatch.objects.select_for_update().get(pk=int(task.subject_id))
    if batch.status == BatchStatus.IMPORTING:
        _finish(batch, acting_user, None)


@transaction.atomic
def _post_chunk(batch_pk: int, number: int, size: int, acting_user: User) -> ChunkResult:
    """Post the pending rows of chunk ``number`` (rows number*size.. in line order)."""
    batch = RemittanceBatch.objects.select_for_update().get(pk=batch_pk)
    if number == 1 and batch.rows_total > size:  # stale plans would slow every later chunk
        refresh_planner_statistics()
    in_chunk = batch.items.order_by("line_number", "pk").values_list(
        "pk", "line_number", "account_text", "amount", "check_number", "status"
    )[number * size : (number + 1) * size]
    items = [
        _Row(pk, line, text, Money(amount, CURRENCY), check, status)
        for pk, line, text, amount, check, status in in_chunk
        if status == ItemStatus.PENDING
    ]
    if not items:
        return ChunkResult(done=0)
    writer = writer_for(acting_user)
    numbers = {i.account_text for i in items}
    by_number = dict(Account.objects.filter(number__any=numbers).values_list("number", "pk"))
    locked = {a.number: a for a in writer.lock(sorted(set(by_number.values())))}
    cash_only = cash_only_ids(locked.values(), on=writer.business_date)
    postable = []
    for item in items:
        item.account = locked.get(item.account_text)
        item.problem = _row_problem(item, writer, cash_only)
        if item.problem:
            item.status = ItemStatus.EXCEPTION
        else:
            postable.append(item)
    _mark_exceptions([i for i in items if i.problem])
    if postable:
        _post_items(writer, postable, batch)
    batch.rows_done += len(items)
    batch.save(update_fields=["rows_done"])
    errors = [ItemError(f"line {i.line_number}", i.problem) for i in items if i.problem]
    return ChunkResult(done=len(items), errors=errors)


PROBLEM_LENGTH = RemittanceItem._meta.get_field("problem").max_length


def _mark_exceptions(rows: Sequence[_Row]) -> None:
    """The rows that cannot post as they stand, with their problem (cut to the column, as
    the account text quoted in it can be long) and their account if found."""
    update_values(
        RemittanceItem,
        ["status", "problem", "account"],
        [(r.pk, ItemStatus.EXCEPTION, r.problem[:PROBLEM_LENGTH], r.account_id) for r in rows],
    )


def _row_problem(item: _Row, writer: LedgerWriter, cash_only: set[int]) -> str:
    account = item.account
    amount = item.amount.amount
    if account is None:
        return f"No account numbered {item.account_text!r}."
    if amount <= ZERO:
        return f"The amount {amount} is not a payment."
    if writer.account(account).status == AccountStatus.CLOSED:
        return f"Account {account.number} is closed; it takes no payments."
    if account.pk in cash_only:
        return f"Account {account.number} is cash only: return the check to the customer."
    review_over = settings.PAYMENTS_LOCKBOX_REVIEW_OVER
    if amount > review_over:
        return f"Over {review_over}: a person confirms large payments."
    overpay = settings.PAYMENTS_LOCKBOX_OVERPAY_LIMIT
    owed = writer.open_amounts(account).balance
    if amount - max(owed, ZERO) > overpay:
        # A deposit the bill asked for is not an overpayment (``billed_deposit``).
        deposit = billed_deposits_due([account.pk]).get(account.pk, ZERO)
        if amount - max(owed, ZERO) - deposit > overpay:
            also = f" and a {deposit} deposit due" if deposit else ""
            return f"Pays {amount} against {owed} owed{also}: more than {overpay} over."
    return ""


# -- exceptions ---------------------------------------------------------------


def _exception(item: RemittanceItem) -> RemittanceItem:
    item = (
        RemittanceItem.objects.select_for_update(of=("self",))
        .select_related("batch")
        .get(pk=item.pk)
    )
    if item.status != ItemStatus.EXCEPTION:
        raise refuse(None, f"Line {item.line_number} is {item.get_status_display().lower()}.")
    return item


@transaction.atomic
def item_post_to(*, item: RemittanceItem, account: Account, acting_user: User) -> RemittanceItem:
    """Resolve an exception by posting it to ``account`` (corrected or confirmed)."""
    require_perm(acting_user, PERM, "ledger.post_transaction")
    item = _exception(item)
    problem = _account_problem(account)
    if problem:
        raise refuse("account", problem)
    if item.amount.amount <= ZERO:
        raise refuse(None, "This amount cannot be posted; reject the row instead.")
    item.account = account
    _post_items(writer_for(acting_user), [item], item.batch)
    item.resolved_by = acting_user
    item.resolved_at = timezone.now()
    item.resolution = f"Posted to {account.number} by {acting_user.get_username()}"
    item.save(update_fields=["resolved_by", "resolved_at", "resolution"])
    return item


@transaction.atomic
def item_reject(*, item: RemittanceItem, reason: str, acting_user: User) -> RemittanceItem:
    """Resolve an exception by rejecting the row (the payment goes back to the remitter)."""
    require_perm(acting_user, PERM)
    refuse_card_numbers(reason=reason)
    item = _exception(item)
    if not reason.strip():
        raise refuse("reason", "Say why the row is rejected.")
    item.status = ItemStatus.REJECTED
    item.resolved_by = acting_user
    item.resolved_at = timezone.now()
    item.resolution = f"Rejected by {acting_user.get_username()}: {reason.strip()}"[:300]
    item.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
    return item


def batch_item_counts(batch: RemittanceBatch) -> dict[str, int]:
    """Rows of the batch by status (posted, exception, rejected ...), zeros included."""
    counts = dict.fromkeys(ItemStatus.values, 0)
    rows = batch.items.order_by().values_list("status").annotate(n=Count("pk"))
    counts.update({status: n for status, n in rows})
    return counts


def batch_totals(batch: RemittanceBatch) -> tuple[int, Decimal]:
    agg = batch.items.aggregate(n=Max("line_number"), total=Sum("amount"))
    return batch.items.count(), agg["total"] or ZERO
