"""The stages of a bill run: Calculate -> Review -> Post.

* ``bill_run_start`` makes a run for a cycle and period and starts *Calculate*, a long
  task (``billing_site.common.tasks``): chunk *n* is the cycle's accounts with an
  agreement in the period, in primary-key order. Each account gets a draft bill, or a
  bill in status ERROR with the reason; the run goes on either way.
* *Review*: ``billing.bills.register`` reads the proof register; ``bill_recalculate``
  redoes one account, ``bill_run_recalculate`` the whole run (after a read was fixed).
* ``bill_run_post`` (coordinator or supervisor, the run's total confirmed) starts
  *Post*, another long task: chunk *n* is the run's postable bills in primary-key
  order; in one transaction it locks the accounts, takes a block of gap-free bill
  numbers (``next_numbers``), posts every bill's charges through the ledger's bulk
  path, links each line to its journal entry and records the balances. A chunk is
  all or nothing and never done twice, so a killed worker's rerun posts each bill once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from accounts.models import Account
from billing_site.common.bulk import copy_instances, copy_values, update_instances, update_values
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.models import LongTask
from billing_site.common.numbering import next_numbers
from billing_site.common.roles import require_perm
from billing_site.common.tasks import (
    ChunkResult,
    ItemError,
    long_task_for,
    run_long_task,
    start_long_task,
)
from ledger import selectors as ledger_selectors
from ledger.choices import TransactionKind
from ledger.models import JournalEntry, Service
from ledger.services import AccountCharges, post_charges_bulk

from ..calendar import due_date
from ..choices import BillRunKind, BillRunStatus, BillStatus
from ..hooks import billed_deposits_due
from ..models import Bill, BillingCycle, BillLine, BillRun, RouteStop, ServiceAgreement
from .calculate import CannotBill, Draft, draft_bills

RUN = "billing.add_billrun"
POST = "billing.post_billrun"
CALCULATE_TASK = "billing.bill_run_calculate"
POST_TASK = "billing.bill_run_post"
CHUNK = 500
BILL_NUMBERS = "billing.bill"
ZERO = Decimal("0.00")


# -- calculate ------------------------------------------------------------------


@transaction.atomic
def bill_run_start(
    *,
    cycle: BillingCycle,
    period_start: date,
    period_end: date,
    bill_date: date,
    acting_user: User,
    message: str = "",
) -> BillRun:
    """A new run of ``cycle`` for the period, its Calculate task started."""
    require_perm(acting_user, RUN)
    refuse_card_numbers(message=message)  # printed on every bill of the run
    if period_end < period_start:
        raise ValidationError({"period_end": "The period ends before it starts."})
    run = BillRun.objects.create(
        cycle=cycle, period_start=period_start, period_end=period_end, bill_date=bill_date,
        due_date=due_date(bill_date=bill_date, due_days=cycle.due_days), message=message[:300],
        created_by=acting_user,
    )  # fmt: skip
    _start_calculate(run, acting_user)
    return run


def _start_calculate(run: BillRun, acting_user: User) -> LongTask:
    task = start_long_task(
        kind=CALCULATE_TASK, subject=run, total=len(run_account_ids(run)), chunk_size=CHUNK,
        label=f"Calculate {run}"[:200], view_permission="billing.view_billrun",
        acting_user=acting_user,
    )  # fmt: skip
    transaction.on_commit(lambda: _enqueue(task.pk))
    return task


def _enqueue(task_pk: int) -> None:
    """Enqueue the task once per worker that should share it (``BILLING_RUN_WORKERS``)."""
    from ..tasks import bill_run_task  # the task module registers these kinds

    for _worker in range(max(1, settings.BILLING_RUN_WORKERS)):
        bill_run_task.enqueue(task_pk)


def run_account_ids(run: BillRun) -> list[int]:
    """The accounts a run bills: on a route of its cycle, with an agreement in its period."""
    return list(_run_accounts(run))


def _run_accounts(run: BillRun):  # type: ignore[no-untyped-def]
    """The cycle's route stops in account order, kept when an agreement is in the period.

    One row per account (a stop is one account's) without a DISTINCT, so a chunk's
    ``OFFSET``/``LIMIT`` walks the stops in index order instead of sorting every
    agreement of the cycle for each chunk (3 s a chunk at 100,000 accounts)."""
    active = ServiceAgreement.objects.filter(
        account_id=OuterRef("account_id"), start_date__lte=run.period_end
    ).exclude(end_date__lt=run.period_start)
    return (
        RouteStop.objects.filter(route__cycle_id=run.cycle_id)
        .filter(Exists(active))
        .exclude(account_id__in=final_billed(run.period_start))
        .order_by("account_id")
        .values_list("account_id", flat=True)
    )


def final_billed(period_start: date):  # type: ignore[no-untyped-def]
    """Accounts whose posted final bill already covers service on or after ``period_start``."""
    return Bill.objects.filter(
        final_bill=True,
        run__kind=BillRunKind.FINAL,
        status=BillStatus.POSTED,
        period_end__gte=period_start,
    ).values("account_id")


# Per process: the account list of a Calculate task, read once by the first chunk this
# worker does (reading it per chunk cost a scan of the cycle's stops each time).
_TASK_ACCOUNTS: dict[tuple[int, int, int, object], list[int]] = {}


def _task_accounts(task: LongTask, run: BillRun) -> list[int]:
    key = (task.pk, run.pk, task.total, task.created_at)
    if key not in _TASK_ACCOUNTS:
        _TASK_ACCOUNTS.clear()  # one run at a time per worker: keep only the latest
        _TASK_ACCOUNTS[key] = run_account_ids(run)
    return _TASK_ACCOUNTS[key]


def _share_lock(run_pk: int) -> BillRun:
    """The run, locked against Post and Recalculate but not against other chunk workers."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {BillRun._meta.db_table} WHERE id = %s FOR SHARE", [run_pk])
    return BillRun.objects.get(pk=run_pk)


def bill_run_calculate_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Draft bills (or errors) for chunk ``number`` of the run's accounts."""
    require_perm(acting_user, RUN)
    run = _share_lock(int(task.subject_id))
    size = task.chunk_size
    ids = _task_accounts(task, run)[number * size : (number + 1) * size]
    errors = _calculate(run, ids)
    return ChunkResult(done=len(ids), errors=errors)


def bill_run_calculate_finish(*, task: LongTask, acting_user: User) -> None:
    run = BillRun.objects.select_for_update().get(pk=int(task.subject_id))
    run.status = BillRunStatus.REVIEW
    run.calculated_at = timezone.now()
    run.save(update_fields=["status", "calculated_at"])


def _calculate(run: BillRun, account_ids: Sequence[int]) -> list[ItemError]:
    Bill.objects.filter(
        run=run,
        account_id__any=account_ids,
        status__in=[BillStatus.DRAFT, BillStatus.ERROR, BillStatus.EXCLUDED],
    ).delete()
    since = balances_since_last_bill(account_ids)
    deposits = billed_deposits_due(account_ids)
    numbers = dict(Account.objects.filter(pk__any=account_ids).values_list("pk", "number"))
    bills: list[Bill] = []
    drafts: list[Draft | None] = []
    errors: list[ItemError] = []
    found = draft_bills(account_ids, start=run.period_start, end=run.period_end)
    for account_id in account_ids:
        draft: Draft | None = None
        try:
            result = found[account_id]
            if isinstance(result, CannotBill):
                raise result
            refuse_credits(result)
            draft = result
        except CannotBill as refused:
            errors.append(ItemError(f"account {numbers[account_id]}", str(refused)))
        bill = new_bill(run, account_id, draft, since[account_id], errors)
        bill.deposit_due = deposit_on_bill(bill, deposits)  # type: ignore[assignment]
        bills.append(bill)
        drafts.append(draft)
    copy_instances(Bill, bills)
    ids = dict(
        Bill.objects.filter(run=run, account_id__any=account_ids)
        .exclude(status=BillStatus.CANCELLED)
        .values_list("account_id", "pk")
    )
    for bill in bills:
        bill.pk = ids[bill.account_id]
        bill._state.adding = False
    copy_values(
        BillLine,
        (
            line
            for bill, draft in zip(bills, drafts, strict=True)
            if draft is not None
            for line in bill_line_values(bill.pk, draft)
        ),
    )
    return errors


def bill_lines(bill: Bill, draft: Draft) -> list[BillLine]:
    """The draft's lines as unsaved rows of ``bill``."""
    return [BillLine(bill=bill, **values) for values in bill_line_values(None, draft)]


def bill_line_values(bill_id: int | None, draft: Draft) -> list[dict[str, Any]]:
    """The draft's lines as column values (of bill ``bill_id`` when it is given)."""
    return [
        {
            **({"bill_id": bill_id} if bill_id is not None else {}),
            "position": i,
            "service_id": line.service_id,
            "code": line.code,
            "label": line.label[:150],
            "amount": getattr(line.amount, "amount", line.amount),
            "arithmetic": line.arithmetic[:500],
            "usage": line.usage,
            "estimated": line.estimated,
        }
        for i, line in enumerate(draft.lines, start=1)
    ]


def refuse_credits(draft: Draft) -> None:
    for service_id, total in service_totals(draft.lines).items():
        if total < ZERO:
            raise CannotBill(
                f"The charges of service {service_id} come to {total}: a credit is an "
                "adjustment, not a bill."
            )


def new_bill(
    run: BillRun,
    account_id: int,
    draft: Draft | None,
    since: tuple[Decimal, Decimal, Decimal],
    errors: list[ItemError],
) -> Bill:
    previous, payments, balance = since
    new = draft.new_charges if draft else ZERO
    return Bill(
        run=run, account_id=account_id,
        status=BillStatus.DRAFT if draft else BillStatus.ERROR,
        period_start=run.period_start, period_end=run.period_end, due_date=run.due_date,
        previous_balance=previous, payments=payments,
        adjustments=balance - previous + payments, new_charges=new, amount_due=balance + new,
        estimated=bool(draft and draft.estimated), first_bill=bool(draft and draft.first_bill),
        final_bill=bool(draft and draft.final_bill),
        error="" if draft else errors[-1].message[:500],
    )  # fmt: skip


def deposit_on_bill(bill: Bill, deposits: Mapping[int, Decimal]) -> Decimal:
    """The security deposit the bill asks for beside its amount due (none on a final bill:
    the deposit held is applied to it instead, ``billing.hooks.after_final_bill``)."""
    return ZERO if bill.final_bill else deposits.get(bill.account_id, ZERO)


def service_totals(lines: Sequence[object]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        amount = line.amount  # type: ignore[attr-defined]
        totals[line.service_id] += getattr(amount, "amount", amount)  # type: ignore[attr-defined]
    return dict(totals)


def balances_since_last_bill(
    account_ids: Sequence[int],
) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """Per account: (amount due on its last posted bill, payments since, balance now)."""
    last = {
        account_id: (due, txn_id or 0)
        for account_id, due, txn_id in Bill.objects.filter(
            account_id__any=account_ids, status=BillStatus.POSTED
        )
        .order_by("account_id", "-number")
        .distinct("account_id")
        .values_list("account_id", "amount_due", "transaction_id")
    }
    since = min((txn for _due, txn in last.values()), default=0)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account_id, txn_id, amount in JournalEntry.objects.filter(
        account_id__any=account_ids,
        transaction__kind=TransactionKind.PAYMENT,
        transaction_id__gt=since,
    ).values_list("account_id", "transaction_id", "amount"):
        if txn_id > last.get(account_id, (ZERO, 0))[1]:
            paid[account_id] -= amount
    now = ledger_selectors.open_amounts_many(list(account_ids))
    return {pk: (last.get(pk, (ZERO, 0))[0], paid[pk], now[pk].balance) for pk in account_ids}


# -- review ---------------------------------------------------------------------


@transaction.atomic
def bill_recalculate(*, bill: Bill, acting_user: User) -> Bill:
    """Recalculate one account's draft (after its read or agreement was fixed)."""
    require_perm(acting_user, RUN)
    run = BillRun.objects.select_for_update().get(pk=bill.run_id)
    _in_review(run)
    _calculate(run, [bill.account_id])
    return Bill.objects.get(run=run, account_id=bill.account_id)


@transaction.atomic
def bill_run_recalculate(*, run: BillRun, acting_user: User) -> LongTask:
    """Calculate the whole run again (a new Calculate task)."""
    require_perm(acting_user, RUN)
    locked = BillRun.objects.select_for_update().get(pk=run.pk)
    _in_review(locked)
    locked.status = BillRunStatus.CALCULATING
    locked.save(update_fields=["status"])
    return _start_calculate(locked, acting_user)


def _in_review(run: BillRun) -> None:
    if run.status != BillRunStatus.REVIEW:
        raise ValidationError(f"The run is {run.get_status_display().lower()}, not in review.")


def run_total(run: BillRun) -> Decimal:
    """New charges of the bills the run would post (drafts)."""
    total = run.bills.filter(status__in=[BillStatus.DRAFT, BillStatus.POSTED]).aggregate(
        t=Sum("new_charges")
    )["t"]
    return total or ZERO


# -- post -----------------------------------------------------------------------


@transaction.atomic
def bill_run_post(
    *, run: BillRun, confirmed_total: Decimal, acting_user: User, exclude_errors: bool = False
) -> LongTask:
    """Start posting the run: every draft bill's charges, in the open business day."""
    require_perm(acting_user, POST, "ledger.post_transaction")
    locked = BillRun.objects.select_for_update().get(pk=run.pk)
    _refuse_post(locked, exclude_errors)
    ledger_selectors.current_business_date()  # refuses when no day is open
    total = run_total(locked)
    if confirmed_total != total:
        raise ValidationError(
            {"confirmed_total": f"The run's total is {total}; confirm that total to post it."}
        )
    locked.bills.filter(status=BillStatus.ERROR).update(status=BillStatus.EXCLUDED)
    locked.status = BillRunStatus.POSTING
    locked.post_started_by = acting_user
    locked.post_started_at = timezone.now()
    locked.confirmed_total = total  # type: ignore[assignment]
    locked.errors_excluded = exclude_errors
    locked.save()
    _number_bills(locked)
    task = start_long_task(
        kind=POST_TASK, subject=locked, total=_postable(locked).count(), chunk_size=CHUNK,
        label=f"Post {locked}"[:200], view_permission="billing.view_billrun",
        acting_user=acting_user,
    )  # fmt: skip
    transaction.on_commit(lambda: _enqueue(task.pk))
    return task


def _number_bills(run: BillRun) -> None:
    """Give every bill the run will post its number now, one gap-free block in key order.

    Taken with the run's move to Posting (same transaction), so the Post chunks need
    not queue on the number counter and can commit side by side; every numbered bill
    is posted by the task (it resumes until done), so the block has no gaps.
    """
    ids = list(
        run.bills.filter(status=BillStatus.DRAFT, number__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return
    numbers = next_numbers(BILL_NUMBERS, len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Bill._meta.db_table} AS b SET number = v.n "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, n) WHERE b.id = v.id",
            [ids, list(numbers)],
        )


def _refuse_post(run: BillRun, exclude_errors: bool) -> None:
    if run.status in (BillRunStatus.POSTING, BillRunStatus.POSTED):
        raise ValidationError(f"This run is already {run.get_status_display().lower()}.")
    _in_review(run)
    older = (
        BillRun.objects.filter(cycle_id=run.cycle_id, pk__lt=run.pk)
        .exclude(status=BillRunStatus.POSTED)
        .first()
    )
    if older is not None:
        raise ValidationError(f"Bill run {older.pk} of this cycle is older and not posted yet.")
    overlapping = BillRun.objects.filter(
        cycle_id=run.cycle_id,
        kind=BillRunKind.CYCLE,
        status__in=[BillRunStatus.POSTING, BillRunStatus.POSTED],
        period_start__lte=run.period_end,
        period_end__gte=run.period_start,
    ).first()
    if overlapping is not None:
        raise ValidationError(
            f"Bill run {overlapping.pk} already billed this cycle for "
            f"{overlapping.period_start:%Y-%m-%d} to {overlapping.period_end:%Y-%m-%d}."
        )
    errors = run.bills.filter(status=BillStatus.ERROR).count()
    if errors and not exclude_errors:
        raise ValidationError(
            f"{errors} account(s) could not be billed. Fix and recalculate them, or "
            "exclude them explicitly to post the rest."
        )


def _postable(run: BillRun):  # type: ignore[no-untyped-def]
    """Bills a Post task covers, in a stable order (posted ones stay in place)."""
    return run.bills.filter(status__in=[BillStatus.DRAFT, BillStatus.POSTED]).order_by("pk")


def bill_run_post_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Post chunk ``number`` of the run's bills: all of it or none (the runner's transaction)."""
    require_perm(acting_user, POST, "ledger.post_transaction")
    run = _share_lock(int(task.subject_id))
    chunk = list(_postable(run)[number * task.chunk_size : (number + 1) * task.chunk_size])
    todo = [b for b in chunk if b.status == BillStatus.DRAFT]
    if todo:
        post_bills(todo, acting_user)
    return ChunkResult(done=len(chunk))


def post_bills(bills: list[Bill], acting_user: User) -> None:
    """Number and post these draft bills (inside the caller's transaction)."""
    ids = sorted({b.account_id for b in bills})
    list(Account.objects.select_for_update().filter(pk__any=ids).order_by("pk").values_list("pk"))
    since = balances_since_last_bill(ids)
    deposits = billed_deposits_due(ids)
    lines: dict[int, list[_Line]] = defaultdict(list)
    rows = BillLine.objects.filter(bill_id__any=[b.pk for b in bills])
    rows = rows.order_by("bill_id", "position")
    for row in rows.values_list("pk", "bill", "service", "amount"):
        lines[row[1]].append(_Line(*row))
    numbered = [b.number for b in bills if b.number is not None]
    numbers = numbered if len(numbered) == len(bills) else next_numbers(BILL_NUMBERS, len(bills))
    number_of = {b.pk: n for b, n in zip(bills, numbers, strict=True)}
    charged = [b for b in bills if any(t > ZERO for t in service_totals(lines[b.pk]).values())]
    services = Service.objects.in_bulk({line.service_id for b in charged for line in lines[b.pk]})
    txns = post_charges_bulk(
        bills=[_charges(b, number_of[b.pk], lines[b.pk], services) for b in charged],
        acting_user=acting_user,
    )
    txn_of = {b.pk: t for b, t in zip(charged, txns, strict=True)}
    entry_of = {
        (txn_id, service_id): entry_id
        for txn_id, service_id, entry_id in JournalEntry.objects.filter(
            transaction__in=txns, service__isnull=False, amount__gt=0
        ).values_list("transaction_id", "service_id", "id")
    }
    balance = dict(Account.objects.filter(pk__any=ids).values_list("pk", "balance"))
    now = timezone.now()
    links: list[tuple[int, int | None]] = []
    for bill, bill_number in zip(bills, numbers, strict=True):
        previous, payments, before = since[bill.account_id]
        txn = txn_of.get(bill.pk)
        bill.number, bill.transaction, bill.posted_at = bill_number, txn, now
        bill.status = BillStatus.POSTED
        bill.previous_balance, bill.payments = previous, payments  # type: ignore[assignment]
        bill.adjustments = before - previous + payments  # type: ignore[assignment]
        bill.amount_due = balance[bill.account_id]
        bill.deposit_due = deposit_on_bill(bill, deposits)  # type: ignore[assignment]
        links += [
            (line.pk, entry_of.get((txn.pk, line.service_id)))
            for line in lines[bill.pk]
            if txn is not None
        ]
    update_values(BillLine, ["journal_entry"], links)
    update_instances(
        bills,
        ["number", "transaction", "posted_at", "status", "previous_balance", "payments",
         "adjustments", "amount_due", "deposit_due"],
    )  # fmt: skip
    after_posting(bills, acting_user)


def after_posting(bills: list[Bill], acting_user: User) -> None:
    """What else a posted bill carries: one-time charges since the last bill, the budget."""
    from ..budget import budget_bills_posted
    from ..services.one_time import attach_to_bills

    attach_to_bills(bills)
    budget_bills_posted(bills, acting_user)


class _Line(NamedTuple):
    """A bill line as posting reads it (no model instance: 12 a bill, 6,000 a chunk)."""

    pk: int
    bill_id: int
    service_id: int
    amount: Decimal


def _charges(
    bill: Bill, number: int, lines: list[_Line], services: dict[int, Service]
) -> AccountCharges:
    """One journal transaction per bill: one charge per service (its lines' sum)."""
    totals = service_totals(lines)
    return AccountCharges(
        account=bill.account_id,
        charges=[(services[s], t) for s, t in totals.items() if t > ZERO],
        memo=f"Bill {number}, {bill.period_start:%Y-%m-%d} to {bill.period_end:%Y-%m-%d}",
        source=f"bill {number}",
    )


def bill_run_post_finish(*, task: LongTask, acting_user: User) -> None:
    run = BillRun.objects.select_for_update().get(pk=int(task.subject_id))
    run.status = BillRunStatus.POSTED
    run.posted_at = timezone.now()
    run.save(update_fields=["status", "posted_at"])


# -- running --------------------------------------------------------------------


def bill_run_long_task(run: BillRun, kind: str) -> LongTask | None:
    return long_task_for(kind=kind, subject=run)


def bill_run_resume(*, task: LongTask, acting_user: User | None = None) -> LongTask:
    """Run the task's remaining chunks here (the worker calls this; so does a retry)."""
    return run_long_task(task=task, acting_user=acting_user)
