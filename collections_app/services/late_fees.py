"""Late-fee runs: Calculate (a long task: one line per past-due service of each bill due
on the date, with its fee or why none) -> Review (the proof list) -> Post (a long task:
accounts locked, the past-due amount recomputed, fees posted in bulk through the ledger).

Past due on a service = what is still open of that bill's charge for it, first in first
out: min(the bill's charge, the service's open amount - charges posted after the bill).
The fee is the rule's shared fee rule on it (``billing_site.common.fees.fee_for``).
A fee posts once per account, service and due date (a unique index), so a second run for
the same due date posts nothing twice. Waivers: up to ``COLLECTIONS_WAIVER_LIMIT``
posted at once as an adjustment by the person waiving; above it an adjustment request
(reason PENALTY) that someone else approves in the adjustments queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import AccountStatus, FlagKind
from accounts.models import Account, AccountFlag
from adjustments import services as adjustments
from adjustments.models import AdjustmentReason
from billing.models import Bill
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.fees import explain, fee_for, ordered_slices
from billing_site.common.models import LongTask
from billing_site.common.money import ZERO, format_money
from billing_site.common.roles import require_perm
from billing_site.common.tasks import ChunkResult, long_task_for, start_long_task
from ledger import services as ledger
from ledger.choices import TransactionKind
from ledger.models import JournalEntry
from ledger.selectors import current_business_date, open_amounts_many

from .. import hooks
from .. import late_fee_sql as sql
from ..calendar import days_after
from ..choices import LineStatus, RunStatus, WaiverStatus
from ..fifo import NOT_CHARGES
from ..models import LateFeeLine, LateFeeRule, LateFeeRun, LateFeeWaiver

CALCULATE_TASK = "collections.late_fee_calculate"
POST_TASK = "collections.late_fee_post"
RUN_PERM = "collections.add_latefeerun"
POST_PERM = "collections.post_latefeerun"
VIEW_PERM = "collections.view_latefeerun"
WAIVE_PERM = "collections.waive_latefee"
# Calculating reads and inserts (no locks): a chunk's fixed cost (the task's bookkeeping, the
# rules read, a commit) is most of a small chunk's time, so its chunks are large. Posting
# locks the chunk's accounts until it commits, so its chunks stay small (a counter payment to
# one of them waits at most one chunk); larger ones measured no faster.
CALCULATE_CHUNK = 5000
POST_CHUNK = 1000


def waiver_limit() -> Decimal:
    return Decimal(str(settings.COLLECTIONS_WAIVER_LIMIT))


def _enqueue(task: LongTask) -> None:
    from .. import tasks

    transaction.on_commit(lambda: tasks.collections_task.enqueue(task.pk))


def _bills_due(due_date: date):
    return Bill.objects.filter(due_date=due_date, status="posted", transaction__isnull=False)


@transaction.atomic
def late_fee_run_start(*, due_date: date, acting_user: User) -> LateFeeRun:
    """Calculate the late fees of the bills due on ``due_date`` (a long task)."""
    require_perm(acting_user, RUN_PERM)
    run_date = current_business_date()
    if due_date >= run_date:
        raise ValidationError({"due_date": "Those bills are not past due yet."})
    count = _bills_due(due_date).count()
    if not count:
        raise ValidationError({"due_date": f"No posted bill is due on {due_date:%b %-d, %Y}."})
    run = LateFeeRun.objects.create(due_date=due_date, run_date=run_date, created_by=acting_user)
    task = start_long_task(
        kind=CALCULATE_TASK, subject=run, total=count, chunk_size=CALCULATE_CHUNK,
        view_permission=VIEW_PERM, acting_user=acting_user, label=str(run),
    )  # fmt: skip
    _enqueue(task)
    return run


@dataclass(frozen=True)
class Rules:
    by_key: dict[tuple[int, str], LateFeeRule]

    def for_(self, service_id: int, account_class: str) -> LateFeeRule | None:
        return self.by_key.get((service_id, account_class)) or self.by_key.get((service_id, ""))


def active_rules() -> Rules:
    rules = (
        LateFeeRule.objects.filter(is_active=True)
        .select_related("fee_service__revenue_gl", "fee_service__receivable_gl")
        .prefetch_related("tiers")
    )
    return Rules({(r.service_id, r.account_class): r for r in rules})


def rule_tables(
    rules: Rules, run: LateFeeRun, grace: GraceDays
) -> tuple[list[sql.RuleRow], list[sql.TierRow]]:
    """The active rules as the SQL proof list reads them: grace decided for this run's
    date (``calendar.days_after``), tiers in the order ``fees.fee_for`` reads them."""
    rows, tiers = [], []
    for rule in rules.by_key.values():
        in_grace = assess(rule, Decimal(1), run, grace)[1] if _in_grace(rule, run, grace) else None
        rows.append(sql.RuleRow(
            rule.pk, rule.service_id, rule.account_class, rule.fee_service_id, in_grace,
            rule.flat, rule.percent, rule.minimum, rule.maximum, rule.minimum_past_due,
        ))  # fmt: skip
        fee_rule = rule.fee_rule()
        tiers += [sql.TierRow(rule.pk, n, up_to, fee, None)
                  for n, (up_to, fee) in enumerate(fee_rule.tiers)]  # fmt: skip
        slices = ordered_slices(fee_rule.graduated)
        tiers += [sql.TierRow(rule.pk, n, up_to, None, percent)
                  for n, (up_to, percent) in enumerate(slices)]  # fmt: skip
    return rows, tiers


def _in_grace(rule: LateFeeRule, run: LateFeeRun, grace: GraceDays) -> bool:
    key = (run.due_date, rule.grace_days, rule.grace_kind)
    if key not in grace:
        grace[key] = days_after(*key)
    return run.run_date <= grace[key]


def sql_parameters(
    run: LateFeeRun, *, plans: list[int], rules: Rules | None = None
) -> dict[str, object]:
    rows, tiers = rule_tables(active_rules() if rules is None else rules, run, {})
    return sql.parameters(
        rules=rows, tiers=tiers, run_date=run.run_date, due_date=run.due_date, plans=plans
    )


class BillRef(Protocol):
    """What the past-due arithmetic reads of a bill (a ``Bill`` or a :class:`BillKey`)."""

    @property
    def pk(self) -> int: ...
    @property
    def account_id(self) -> int: ...
    @property
    def transaction_id(self) -> int | None: ...


@dataclass(frozen=True)
class BillKey:
    """A bill's keys read with ``values_list`` (no model instance built per line)."""

    pk: int
    account_id: int
    transaction_id: int | None
    number: str


def bill_charges(bills: Sequence[BillRef]) -> dict[int, dict[int, Decimal]]:
    """Per bill, what it charged per service (its receivable lines)."""
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    by_txn = {b.transaction_id: b.pk for b in bills}
    rows = JournalEntry.objects.filter(
        transaction_id__in=list(by_txn), service__isnull=False, amount__gt=0
    ).values_list("transaction_id", "service_id", "amount")
    for txn, service, amount in rows:
        bill = out[by_txn[txn]]
        bill[service] = bill.get(service, ZERO) + amount
    return out


def newer_charges(bills: Sequence[BillRef]) -> dict[int, dict[int, Decimal]]:
    """Per bill, the charges per service posted to its account after it (FIFO: they are
    what an open amount is made of first)."""
    if not bills:
        return {}
    first = min(b.transaction_id or 0 for b in bills)
    rows = (
        JournalEntry.objects.filter(
            account_id__in={b.account_id for b in bills}, service__isnull=False,
            amount__gt=0, transaction_id__gt=first,
        )
        .exclude(transaction__kind__in=NOT_CHARGES)
        .values_list("account_id", "service_id", "transaction_id", "amount")
    )  # fmt: skip
    out: dict[int, dict[int, Decimal]] = {b.pk: {} for b in bills}
    by_account: dict[int, list[BillRef]] = defaultdict(list)
    for b in bills:
        by_account[b.account_id].append(b)
    for account_id, service_id, txn, amount in rows:
        for b in by_account[account_id]:
            if txn > (b.transaction_id or 0):
                out[b.pk][service_id] = out[b.pk].get(service_id, ZERO) + amount
    return out


def past_due_of(
    bills: Sequence[BillRef], held: Mapping[int, Mapping[int, Decimal]] | None = None
) -> dict[int, dict[int, Decimal]]:
    """Per bill and service, what is still open of that bill's charge now (``held``: the
    open amounts per account and service when the caller has them, e.g. under its lock)."""
    charged, newer = bill_charges(bills), newer_charges(bills)
    if held is None:
        opened = open_amounts_many(list({b.account_id for b in bills}))
        held = {pk: amounts.by_service for pk, amounts in opened.items()}
    out: dict[int, dict[int, Decimal]] = {}
    for b in bills:
        by_service = held[b.account_id]
        out[b.pk] = {
            s: max(ZERO, min(amount, by_service.get(s, ZERO) - newer[b.pk].get(s, ZERO)))
            for s, amount in charged[b.pk].items()
        }
    return out


@dataclass(frozen=True)
class AccountFacts:
    """What the exemptions read of an account (read with ``values_list``)."""

    pk: int
    is_city: bool
    status: str


def exemptions(accounts: Sequence[Account | AccountFacts], on: date) -> dict[int, str]:
    """Why an account draws no late fee at all (city, no-late-fee flag, plan, closed)."""
    facts = [
        a if isinstance(a, AccountFacts) else AccountFacts(a.pk, a.customer.is_city, a.status)
        for a in accounts
    ]
    why: dict[int, str] = {}
    flags = AccountFlag.objects.filter(
        account_id__in=[a.pk for a in facts], kind=FlagKind.NO_LATE_FEE, cleared_at__isnull=True
    )
    for flag in flags:
        if flag.is_in_force(on):
            why[flag.account_id] = f"No-late-fee flag: {flag.reason}"
    plans = hooks.plans_in_good_standing([a.pk for a in facts])
    for a in facts:
        if a.is_city:
            why[a.pk] = "Account of the city itself"
        elif a.pk in plans:
            why.setdefault(a.pk, "Payment plan in good standing")
        elif a.status == AccountStatus.CLOSED:
            why.setdefault(a.pk, "Account closed")
    return why


def _already_posted(bills: Sequence[BillRef], due_date: date) -> set[tuple[int, int]]:
    return set(
        LateFeeLine.objects.filter(
            account_id__in={b.account_id for b in bills}, due_date=due_date,
            status=LineStatus.POSTED,
        ).values_list("account_id", "service_id")
    )  # fmt: skip


GraceDays = dict[tuple[date, int, str], date]


def assess(
    rule: LateFeeRule | None, past_due: Decimal, run: LateFeeRun, grace: GraceDays | None = None
) -> tuple[Decimal, str]:
    """The fee on one bill's service, or zero and why not (the reference rule; runs
    compute it in SQL, ``collections_app.late_fee_sql``)."""
    if rule is None:
        return ZERO, "No late-fee rule for this service and class"
    grace = {} if grace is None else grace  # a chunk passes one: one answer per rule
    if _in_grace(rule, run, grace):
        last_day = grace[(run.due_date, rule.grace_days, rule.grace_kind)]
        return ZERO, f"In grace until {last_day:%b %-d, %Y}"
    if past_due <= ZERO:
        return ZERO, "Paid"
    fee = fee_for(past_due, rule.fee_rule())
    if fee <= ZERO:
        return ZERO, f"Past due under {format_money(rule.minimum_past_due or ZERO)}"
    return fee, f"{format_money(past_due)} past due"


LineRow = tuple[int, int, int, Decimal, Decimal, str, str, str]


def late_fee_calculate_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Chunk n of the bills due (pk order): its proof-list lines in one ``INSERT ... SELECT``
    (``collections_app.late_fee_sql``: past due, exemptions and fees set-based)."""
    run = LateFeeRun.objects.get(pk=int(task.subject_id))
    size = task.chunk_size
    found = list(
        _bills_due(run.due_date)
        .order_by("pk")
        .values_list("pk", "account_id")[number * size : (number + 1) * size]
    )
    plans = sorted(hooks.plans_in_good_standing(sorted({account for _pk, account in found})))
    sql.insert_proof_lines(
        run_id=run.pk, bill_ids=[pk for pk, _account in found],
        params=sql_parameters(run, plans=plans),
    )  # fmt: skip
    return ChunkResult(done=len(found))


def proof_lines_python(run: LateFeeRun, bill_ids: Sequence[int]) -> list[LineRow]:
    """The proof-list lines of these bills computed in Python, row by row: the reference
    the SQL proof list is tested against (``tests/collections_app/test_late_fee_sql.py``)."""
    grace: GraceDays = {}
    found = list(
        Bill.objects.filter(pk__in=bill_ids).order_by("pk").values_list(
            "pk", "account_id", "transaction_id", "number", "account__account_class",
            "account__customer__is_city", "account__status",
        )
    )  # fmt: skip
    bills = [BillKey(pk, account, txn, str(no)) for pk, account, txn, no, *_ in found]
    classes = {row[1]: str(row[4]) for row in found}
    rules, past_due = active_rules(), past_due_of(bills)
    exempt = exemptions(
        [AccountFacts(row[1], bool(row[5]), str(row[6])) for row in found], run.run_date
    )
    posted = _already_posted(bills, run.due_date)
    rows: list[LineRow] = []
    for b in bills:
        for service_id, amount in sorted(past_due[b.pk].items()):
            if amount <= ZERO:
                continue
            rule = rules.for_(service_id, classes[b.account_id])
            fee, reason = assess(rule, amount, run, grace)
            status = LineStatus.PROPOSED if fee else LineStatus.EXCLUDED
            if (b.account_id, service_id) in posted:
                fee, status, reason = ZERO, LineStatus.EXCLUDED, "Already charged for this date"
            elif fee and b.account_id in exempt:
                fee, status, reason = ZERO, LineStatus.EXCLUDED, exempt[b.account_id]
            how = explain(amount, rule.fee_rule()) if rule and status == LineStatus.PROPOSED else ""
            rows.append((b.account_id, b.pk, service_id, amount, fee, status, reason, how))
    return rows


def late_fee_calculate_finish(*, task: LongTask, acting_user: User) -> None:
    LateFeeRun.objects.filter(pk=int(task.subject_id)).update(status=RunStatus.REVIEW)


@transaction.atomic
def late_fee_run_post(*, run: LateFeeRun, acting_user: User) -> LongTask:
    """Post the proposed fees (a long task); refused unless the run is in review."""
    require_perm(acting_user, POST_PERM)
    run = LateFeeRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.REVIEW:
        raise ValidationError("This run is not waiting for review; nothing was posted.")
    current_business_date()  # refused when no day is open
    run.status, run.posted_by, run.posted_at = RunStatus.POSTING, acting_user, timezone.now()
    run.save(update_fields=["status", "posted_by", "posted_at"])
    total = run.lines.filter(status=LineStatus.PROPOSED).count()
    task = start_long_task(
        kind=POST_TASK, subject=run, total=total, chunk_size=POST_CHUNK,
        view_permission=VIEW_PERM, acting_user=acting_user, label=f"Posting {run}",
    )  # fmt: skip
    _enqueue(task)
    return task


_LINES_SQL = """
    UPDATE collections_latefeeline AS l
       SET status = v.status, fee = v.fee, past_due = v.past_due,
           transaction_id = v.transaction_id, reason = COALESCE(v.reason, l.reason),
           computation = v.computation
      FROM unnest(%s::bigint[], %s::varchar[], %s::numeric[], %s::numeric[], %s::bigint[],
                  %s::varchar[], %s::varchar[])
           AS v(id, status, fee, past_due, transaction_id, reason, computation)
     WHERE l.id = v.id
"""

PostedRow = tuple[int, str, Decimal, Decimal, int | None, str | None, str]


def _write_lines(rows: list[PostedRow]) -> None:
    """Every line of a chunk written back in one ``UPDATE ... FROM unnest`` (a
    ``bulk_update`` of 1,000 lines compiled a CASE per field and row: seconds)."""
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(_LINES_SQL, [list(column) for column in zip(*rows, strict=True)])


def late_fee_post_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Chunk n of the lines proposed when posting began (pk order; a posted or dropped
    line keeps its place: the chunk is the n-th slice of the run's lines not excluded).

    Set-based: the chunk's accounts locked once by the ledger writer (key order), the past
    due and the fee recomputed after the lock by the proof list's own SQL (a payment since,
    a fee another run posted for this due date since, or an exemption in force now drops
    the line), the fees queued on that writer and written in one flush, the lines
    updated in one statement.
    """
    run = LateFeeRun.objects.get(pk=int(task.subject_id))
    size = task.chunk_size
    lines = list(
        run.lines.exclude(status=LineStatus.EXCLUDED)
        .order_by("pk")
        .values_list("pk", "status", "account_id", "bill_id")[number * size : (number + 1) * size]
    )
    todo = [(pk, a, bill) for pk, status, a, bill in lines if status == LineStatus.PROPOSED]
    writer = ledger.writer_for(acting_user)
    accounts = sorted({account for _pk, account, _bill in todo})
    writer.lock(accounts)
    rules = active_rules()
    plans = sorted(hooks.plans_in_good_standing(accounts))
    recomputed = sql.recompute_lines(
        line_ids=[pk for pk, _account, _bill in todo],
        bill_ids=sorted({bill for _pk, _account, bill in todo}),
        params=sql_parameters(run, plans=plans, rules=rules),
    )
    services = {rule.fee_service_id: rule.fee_service for rule in rules.by_key.values()}
    charges: list[ledger.AccountCharges] = []
    kept: list[tuple[int, Decimal, Decimal, str]] = []
    rows: list[PostedRow] = []
    for pk, account_id, bill_number, fee_service_id, now, fee, _status, reason, how in recomputed:
        if not fee:
            rows.append((pk, LineStatus.DROPPED, ZERO, now, None, reason, ""))
            continue
        charges.append(ledger.AccountCharges(
            account=account_id, charges=[(services[fee_service_id], fee)],
            memo=f"Late fee: bill {bill_number} due {run.due_date:%b %-d, %Y}",
            source=f"late fee run {run.pk}",
        ))  # fmt: skip
        kept.append((pk, fee, now, how))
    queued = ledger.queue_charges(writer, charges, kind=TransactionKind.FEE)
    writer.flush()
    for (pk, fee, now, how), q in zip(kept, queued, strict=True):
        rows.append((pk, LineStatus.POSTED, fee, now, writer.transaction_id_of(q), None, how))
    _write_lines(rows)
    return ChunkResult(done=len(lines))


def late_fee_post_finish(*, task: LongTask, acting_user: User) -> None:
    LateFeeRun.objects.filter(pk=int(task.subject_id)).update(status=RunStatus.POSTED)


def run_task(run: LateFeeRun) -> LongTask | None:
    return long_task_for(kind=POST_TASK, subject=run) or long_task_for(
        kind=CALCULATE_TASK, subject=run
    )


@transaction.atomic
def late_fee_waive(
    *, line: LateFeeLine, amount: Decimal, reason: str, acting_user: User
) -> LateFeeWaiver:
    """Take back (part of) a posted late fee, with a reason; above the limit, ask."""
    require_perm(acting_user, WAIVE_PERM)
    refuse_card_numbers(reason=reason)
    line = LateFeeLine.objects.select_for_update().select_related("account", "run").get(pk=line.pk)
    if line.status != LineStatus.POSTED or line.transaction_id is None:
        raise ValidationError("Only a posted late fee can be waived.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the fee is waived."})
    open_waivers = sum((w.amount for w in line.waivers.all()), ZERO)
    if amount <= ZERO or amount > line.fee - open_waivers:
        left = format_money(line.fee - open_waivers)
        raise ValidationError({"amount": f"Waive more than zero and at most {left}."})
    # the fee's own receivable line says which charge code it was posted to
    entry = (
        JournalEntry.objects.filter(transaction_id=line.transaction_id, service__isnull=False)
        .select_related("service__revenue_gl", "service__receivable_gl")
        .get()
    )
    service = entry.service
    assert service is not None
    memo = f"Late fee waived (bill {line.bill.number}): {reason.strip()}"
    waiver = LateFeeWaiver(
        line=line, amount=amount, reason=reason.strip(), requested_by=acting_user
    )
    if amount <= waiver_limit():
        writer = ledger.writer_for(acting_user)
        (account,) = writer.lock([line.account])
        waiver.transaction = writer.post_now(
            kind=TransactionKind.ADJUSTMENT, memo=memo, source=f"late fee {line.pk}",
            lines=[writer.receivable_line(account, -amount, service),
                   ledger.Line(gl_account=service.revenue_gl, amount=amount)],
        )  # fmt: skip
        waiver.status = WaiverStatus.POSTED
    else:
        waiver.adjustment_request = adjustments.request_adjustment(
            account=line.account, direction="credit",
            reason=AdjustmentReason.objects.get(code="PENALTY"),
            amounts=[(service, amount)], memo=memo, acting_user=acting_user,
        )  # fmt: skip
        waiver.status = WaiverStatus.PENDING
    waiver.save()
    return waiver
