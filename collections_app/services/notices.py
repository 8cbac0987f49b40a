"""Notice runs: one step of the delinquency timeline on the open business date.

Calculate (here, in one transaction: the proof list) -> Review -> Send (a long task in
chunks of accounts, each chunk: accounts locked, the past-due amount recomputed, so a
payment made this morning takes the account off; then the step recorded once per account,
bill and step, its fee posted, its letters kept on the account) -> Print (the letters'
PDFs rendered in parallel and stored, and the combined PDF for the print room).

A step is due for a bill ``days`` calendar or business days (``collections_app.calendar``)
after its due date or bill date. Candidates are posted bills whose step day is on or before
the run date and at most ``LOOKBACK_DAYS`` before it (older bills are past this step).
The past-due amount on a bill is everything still open from it and older bills, first in
first out: per service, the open amount less the charges posted after the bill.
Excluded (and listed with why): under the step's minimum past due, the step before not
reached for that bill, an excluded flag in force (dispute, do not disconnect, medical, until
their expiry), a pending adjustment request, a payment since the run's date, the city's own
accounts, a payment plan in good standing (``hooks``), a step already recorded.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, AccountFlag
from adjustments.choices import RequestStatus
from adjustments.models import AdjustmentRequest
from billing.models import Bill, RouteStop
from billing_site.common.models import LongTask
from billing_site.common.money import ZERO, format_money
from billing_site.common.roles import require_perm
from billing_site.common.tasks import ChunkResult, long_task_for, start_long_task
from ledger import services as ledger
from ledger.choices import TransactionKind
from ledger.models import JournalTransaction
from ledger.selectors import current_business_date, open_amounts_many

from .. import hooks
from ..calendar import days_after
from ..choices import CountedFrom, RunStatus
from ..models import AccountStep, Letter, NoticeLine, NoticeRun, NoticeStep
from .late_fees import newer_charges
from .letters import new_letter

RUN_PERM = "collections.add_noticerun"
SEND_PERM = "collections.post_noticerun"
VIEW_PERM = "collections.view_noticerun"
SEND_TASK = "collections.notice_send"
LOOKBACK_DAYS = 60
CHUNK = 500


def step_day(step: NoticeStep, bill: Bill, bill_date: date) -> date:
    start = bill.due_date if step.counted_from == CountedFrom.DUE_DATE else bill_date
    return days_after(start, step.days, step.day_kind)


def past_due_total(bills: list[Bill]) -> dict[int, Decimal]:
    """Per bill: what is open from it and every older charge (FIFO), all services."""
    newer = newer_charges(bills)
    held = open_amounts_many(list({b.account_id for b in bills}))
    out = {}
    for b in bills:
        by_service = held[b.account_id].by_service
        out[b.pk] = sum(
            (max(ZERO, amount - newer[b.pk].get(s, ZERO)) for s, amount in by_service.items()),
            ZERO,
        )
    return out


def _previous_step(step: NoticeStep) -> NoticeStep | None:
    return (
        NoticeStep.objects.filter(is_active=True, position__lt=step.position)
        .order_by("-position")
        .first()
    )


def candidates(step: NoticeStep, run_date: date) -> list[Bill]:
    """Posted bills whose step day is due by ``run_date`` (within the look-back)."""
    widest = step.days * 2 + 14  # calendar days enough for business days and holidays
    field = "due_date" if step.counted_from == CountedFrom.DUE_DATE else "run__bill_date"
    low = run_date - timedelta(days=widest + LOOKBACK_DAYS)
    bills = Bill.objects.filter(
        status="posted", transaction__isnull=False, **{f"{field}__gte": low,
                                                          f"{field}__lte": run_date},
    ).select_related("account__customer", "account__premise", "run")  # fmt: skip
    # only the newest bill of each account: its notice covers the older ones too
    newest: dict[int, Bill] = {}
    for b in bills.order_by("account_id", "due_date", "pk"):
        day = step_day(step, b, b.run.bill_date)
        if day <= run_date and run_date - day <= timedelta(days=LOOKBACK_DAYS):
            newest[b.account_id] = b
    return list(newest.values())


def _exclusions(step: NoticeStep, accounts: list[Account], run: NoticeRun) -> dict[int, str]:
    why: dict[int, str] = {}
    ids = [a.pk for a in accounts]
    if step.excluded_flags:
        flags = AccountFlag.objects.filter(
            account_id__in=ids, kind__in=step.excluded_flags, cleared_at__isnull=True
        )
        for f in flags:
            if f.is_in_force(run.run_date):
                until = f" until {f.expires_on:%b %-d, %Y}" if f.expires_on else ""
                why.setdefault(f.account_id, f"{f.get_kind_display()}{until}")
    if step.exclude_pending_adjustments:
        pending = AdjustmentRequest.objects.filter(
            account_id__in=ids, status=RequestStatus.PENDING
        ).values_list("account_id", flat=True)
        for pk in pending:
            why.setdefault(pk, "Adjustment request pending")
    if run.paid_since:
        paid = (
            JournalTransaction.objects.filter(
                kind=TransactionKind.PAYMENT, business_date__gte=run.paid_since,
                entries__account_id__in=ids,
            ).values_list("entries__account_id", "business_date")
        )  # fmt: skip
        for pk, on in paid:
            why.setdefault(pk, f"Payment received on {on:%b %-d, %Y}")
    plans = hooks.plans_in_good_standing(ids)
    for a in accounts:
        if a.customer.is_city:
            why.setdefault(a.pk, "Account of the city itself")
        elif a.pk in plans:
            why.setdefault(a.pk, "Payment plan in good standing")
    return why


def _routes(ids: list[int]) -> dict[int, tuple[str, int]]:
    stops = RouteStop.objects.filter(account_id__in=ids).select_related("route")
    return {s.account_id: (s.route.code, s.sequence) for s in stops}


@transaction.atomic
def notice_run_start(
    *, step: NoticeStep, acting_user: User, paid_since: date | None = None
) -> NoticeRun:
    """The proof list of ``step`` on the open business date: who gets it and why not."""
    require_perm(acting_user, RUN_PERM)
    run = NoticeRun.objects.create(
        step=step, run_date=current_business_date(), paid_since=paid_since,
        created_by=acting_user, status=RunStatus.REVIEW,
    )  # fmt: skip
    bills = candidates(step, run.run_date)
    previous = _previous_step(step) if step.needs_previous else None
    reached = set(
        AccountStep.objects.filter(step=previous, bill__in=bills).values_list("bill_id", flat=True)
    ) if previous else set()  # fmt: skip
    done = set(
        AccountStep.objects.filter(step=step, bill__in=bills).values_list("bill_id", flat=True)
    )
    past_due = past_due_total(bills)
    excluded = _exclusions(step, [b.account for b in bills], run)
    routes = _routes([b.account_id for b in bills])
    lines = []
    for b in bills:
        amount = past_due[b.pk]
        if amount <= ZERO:
            continue  # paid: out of the timeline
        reason = _why_not(step, b, amount, previous, reached, done, excluded)
        premise = b.account.premise
        owner = step.owner_copy and premise.has_owner and (
            premise.owner_name.strip().lower() != b.account.customer.display_name.strip().lower()
        )  # fmt: skip
        route, sequence = routes.get(b.account_id, ("", 0))
        lines.append(NoticeLine(
            run=run, account=b.account, bill=b, past_due=amount, included=not reason,
            reason=reason or f"{format_money(amount)} past due since {b.due_date:%b %-d, %Y}",
            owner_copy=bool(owner and not reason), route=route, route_sequence=sequence,
        ))  # fmt: skip
    NoticeLine.objects.bulk_create(lines)
    return run


def _why_not(step, bill, amount, previous, reached, done, excluded) -> str:
    if bill.pk in done:
        return f"{step.name} already recorded for this bill"
    if previous is not None and bill.pk not in reached:
        return f"Has not had the {previous.name.lower()} for this bill"
    if amount < step.minimum_past_due:
        return f"{format_money(amount)} past due, under {format_money(step.minimum_past_due)}"
    return excluded.get(bill.account_id, "")


@transaction.atomic
def notice_run_send(*, run: NoticeRun, acting_user: User) -> LongTask:
    """Send the run (a long task): recompute, record the step, post fees, keep letters."""
    require_perm(acting_user, SEND_PERM)
    run = NoticeRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.REVIEW:
        raise ValidationError("This run was already sent; nothing was done twice.")
    current_business_date()
    run.status, run.posted_by, run.posted_at = RunStatus.POSTING, acting_user, timezone.now()
    run.save(update_fields=["status", "posted_by", "posted_at"])
    task = start_long_task(
        kind=SEND_TASK, subject=run, total=run.lines.filter(included=True).count(),
        chunk_size=CHUNK, view_permission=VIEW_PERM, acting_user=acting_user,
        label=f"Sending {run}",
    )  # fmt: skip
    from .. import tasks

    transaction.on_commit(lambda: tasks.collections_task.enqueue(task.pk))
    return task


def notice_send_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    run = NoticeRun.objects.select_related("step__fee_service", "step__letter_template").get(
        pk=int(task.subject_id)
    )
    size = task.chunk_size
    lines = list(
        run.lines.filter(included=True)
        .select_related("account__customer", "account__premise", "bill__run")
        .order_by("pk")[number * size : (number + 1) * size]
    )  # fmt: skip  (an included line that drops out stays in its chunk: it is not re-read)
    list(
        Account.objects.select_for_update()
        .filter(pk__in={ln.account_id for ln in lines})
        .order_by("pk")
    )
    now = past_due_total([ln.bill for ln in lines])
    step, keep = run.step, []
    for ln in lines:
        amount = now[ln.bill_id]
        if amount < max(step.minimum_past_due, Decimal("0.01")):
            ln.included, ln.owner_copy = False, False
            ln.reason = f"Paid since the proof list: {format_money(amount)} past due now"
            ln.save(update_fields=["included", "owner_copy", "reason"])
            continue
        ln.past_due = amount
        ln.save(update_fields=["past_due"])
        keep.append(ln)
    fees = _post_fees(run, keep, acting_user) if step.fee and step.fee_service else {}
    AccountStep.objects.bulk_create([
        AccountStep(account_id=ln.account_id, bill=ln.bill, step=step, run=run,
                    past_due=ln.past_due, fee_transaction=fees.get(ln.pk), recorded_by=acting_user)
        for ln in keep
    ])  # fmt: skip
    if step.letter_template:
        Letter.objects.bulk_create(_letters(run, keep, acting_user))
    return ChunkResult(done=len(lines))


def _post_fees(
    run: NoticeRun, lines: list[NoticeLine], user: User
) -> dict[int, JournalTransaction]:
    step = run.step
    fee_service = step.fee_service
    assert fee_service is not None
    bills = [
        ledger.AccountCharges(
            account=ln.account_id, charges=[(fee_service, step.fee)],
            memo=f"{step.name} fee (bill {ln.bill.number})", source=f"notice run {run.pk}",
        )
        for ln in lines
    ]  # fmt: skip
    posted = ledger.post_charges_bulk(bills=bills, acting_user=user, kind=TransactionKind.FEE)
    return {ln.pk: txn for ln, txn in zip(lines, posted, strict=True)}


def _letters(run: NoticeRun, lines: list[NoticeLine], user: User) -> list[Letter]:
    step = run.step
    assert step.letter_template is not None
    pay_by = days_after(run.run_date, 10 if not step.is_disconnect else 2, step.day_kind)
    letters = []
    for ln in lines:
        facts = {
            "past_due": format_money(ln.past_due), "due_date": f"{ln.bill.due_date:%B %-d, %Y}",
            "pay_by": f"{pay_by:%B %-d, %Y}", "fee": format_money(step.fee) if step.fee else "",
            "bill_number": ln.bill.number, "step": step.name,
        }  # fmt: skip
        for owner in [False, True] if ln.owner_copy else [False]:
            letters.append(new_letter(
                account=ln.account, template=step.letter_template, facts=facts,
                acting_user=user, owner_copy=owner, notice_line=ln,
            ))  # fmt: skip
    return letters


def notice_send_finish(*, task: LongTask, acting_user: User) -> None:
    NoticeRun.objects.filter(pk=int(task.subject_id)).update(status=RunStatus.POSTED)


def send_task(run: NoticeRun) -> LongTask | None:
    return long_task_for(kind=SEND_TASK, subject=run)


def disconnect_list(run: NoticeRun) -> list[NoticeLine]:
    """The accounts of a sent run, by route and stop (the amounts as recomputed at send)."""
    return list(
        run.lines.filter(included=True)
        .select_related("account__customer", "account__premise", "bill")
        .order_by("route", "route_sequence", "account__number")
    )
