"""Stopping service: a final read on a date produces the final bill at once.

``stop_service`` (the account page's "Stop service" form) records the final read of
each meter at the premise, then calls ``final_bill``, the service that service orders
call once their technician has read the meter:

1. every agreement of the account still running on the read date ends on that date;
2. the account is billed from the day after its last posted bill (or from its first
   agreement's start) to the final read's date, as a *final* bill: its fixed charges
   are prorated to the days of service out of the whole cycle period (a month from
   the start: ``engine.quote``'s ``cycle_days``);
3. the bill posts at once (a run of kind ``final`` of one account, numbered from the
   same gap-free counter as every bill), due ``due_days`` of the account's cycle after
   today's business date;
4. the account moves to *final* (``accounts.services.account_change_status``);
5. the hooks of ``billing.hooks.after_final_bill`` run (collections applies the deposit
   held to the final bill and refunds the rest), once, whichever page stopped service.

A draft bill of the same account waiting in a cycle run for an overlapping period is
excluded from that run (the final bill replaces it), and later cycle runs leave the
account out (``runs.final_billed``), so service is never billed twice.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.choices import AccountStatus
from accounts.models import Account
from accounts.services import account_change_status
from billing_site.common.roles import require_perm
from ledger import selectors as ledger_selectors

from ..calendar import due_date
from ..choices import BillRunKind, BillRunStatus, BillStatus, ReadKind
from ..hooks import after_final_bill
from ..models import Bill, BillLine, BillRun, Meter, MeterRead, RouteStop, ServiceAgreement
from ..services.reads import meter_read_record
from .calculate import CannotBill, draft_bill
from .runs import POST, balances_since_last_bill, bill_lines, new_bill, post_bills, refuse_credits

STOP = "billing.change_serviceagreement"


@transaction.atomic
def stop_service(
    *, account: Account, on: date, readings: Sequence[tuple[Meter, Decimal]], acting_user: User
) -> Bill:
    """Record the final read of each meter on ``on`` and post the account's final bill."""
    require_perm(acting_user, POST, STOP, "billing.add_meterread")
    final_read: MeterRead | None = None
    for meter, reading in readings:
        recorded = meter_read_record(
            meter=meter, read_date=on, reading=reading, kind=ReadKind.FINAL,
            source=f"final read by {acting_user.get_username()}", acting_user=acting_user,
        )  # fmt: skip
        if not isinstance(recorded, MeterRead):
            raise ValidationError(
                {"reading": f"The final read of meter {meter.number} did not pass its checks: "
                 f"{recorded.message}"}
            )  # fmt: skip
        final_read = recorded
    return final_bill(account=account, final_read=final_read, on=on, acting_user=acting_user)


@transaction.atomic
def final_bill(
    *,
    account: Account,
    final_read: MeterRead | None,
    acting_user: User,
    on: date | None = None,
) -> Bill:
    """End the account's service on the final read's date and post its final bill now.

    ``final_read`` is the meter's final read (already recorded); an account without a
    meter (flat services only) passes None and the date ``on``.
    """
    require_perm(acting_user, POST, STOP)
    if final_read is not None and final_read.premise_id != account.premise_id:
        raise ValidationError("The final read is of a meter at another premise.")
    end = final_read.read_date if final_read is not None else on
    if end is None:
        raise ValidationError({"on": "Say on which day service stops."})
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.status != AccountStatus.ACTIVE:
        status = locked.get_status_display().lower()
        raise ValidationError(f"Only an active account can be final-billed; this one is {status}.")
    start = _first_unbilled_day(locked, end)
    _end_agreements(locked, end, acting_user)
    run = _final_run(locked, start, end, acting_user)
    try:
        draft = draft_bill(account_id=locked.pk, start=start, end=run.period_end)
        refuse_credits(draft)
    except CannotBill as refused:
        raise ValidationError(str(refused)) from None
    _exclude_waiting_drafts(locked, start, end)
    since = balances_since_last_bill([locked.pk])[locked.pk]
    bill = new_bill(run, locked.pk, draft, since, [])
    bill.period_end, bill.final_bill = end, True
    bill.save()
    BillLine.objects.bulk_create(bill_lines(bill, draft))
    post_bills([bill], acting_user)
    # The run keeps the whole period (the proration basis a rebill needs); the bill ends
    # on the final read.
    run.status = BillRunStatus.POSTED
    run.posted_at = run.calculated_at = timezone.now()
    run.save()
    account_change_status(
        account=locked, to=AccountStatus.FINAL, acting_user=acting_user,
        reason=f"Service stopped {end:%Y-%m-%d}: final bill {Bill.objects.get(pk=bill.pk).number}",
    )  # fmt: skip
    posted = Bill.objects.get(pk=bill.pk)
    after_final_bill(posted, acting_user)
    return posted


def _first_unbilled_day(account: Account, end: date) -> date:
    last = (
        Bill.objects.filter(account=account, status=BillStatus.POSTED)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    if last is not None:
        start = last + timedelta(days=1)
    else:
        first = (
            ServiceAgreement.objects.filter(account=account)
            .order_by("start_date")
            .values_list("start_date", flat=True)
            .first()
        )
        if first is None:
            raise ValidationError("The account has no service to stop.")
        start = first
    if end < start:
        raise ValidationError(
            {"on": f"The account is billed through {start - timedelta(days=1):%Y-%m-%d}; "
             "the final read must be later."}
        )  # fmt: skip
    return start


def _end_agreements(account: Account, end: date, acting_user: User) -> None:
    from ..services.agreements import service_agreement_change

    running = ServiceAgreement.objects.filter(account=account, start_date__lte=end).exclude(
        end_date__lt=end
    )
    for agreement in running:
        if agreement.end_date != end:
            service_agreement_change(
                agreement=agreement, end_date=end, reason=f"Service stopped {end:%Y-%m-%d}",
                acting_user=acting_user,
            )  # fmt: skip
    later = ServiceAgreement.objects.filter(account=account, start_date__gt=end)
    if later.exists():
        raise ValidationError({"on": "A service of the account starts after this date."})


def _final_run(account: Account, start: date, end: date, acting_user: User) -> BillRun:
    stop = RouteStop.objects.select_related("route__cycle").filter(account=account).first()
    if stop is None:
        raise ValidationError("The account is on no route, so on no billing cycle to bill from.")
    cycle = stop.route.cycle
    today = ledger_selectors.current_business_date()
    # The whole period the first day of the bill opens: fixed charges are prorated in it.
    period_end = max(_month_from(start), end)
    return BillRun.objects.create(
        cycle=cycle, kind=BillRunKind.FINAL, period_start=start, period_end=period_end,
        bill_date=today, due_date=due_date(bill_date=today, due_days=cycle.due_days),
        status=BillRunStatus.POSTING, created_by=acting_user, post_started_by=acting_user,
        post_started_at=timezone.now(), message=f"Final bill: service stopped {end:%Y-%m-%d}",
    )  # fmt: skip


def _exclude_waiting_drafts(account: Account, start: date, end: date) -> None:
    Bill.objects.filter(
        account=account,
        status__in=[BillStatus.DRAFT, BillStatus.ERROR],
        run__kind=BillRunKind.CYCLE,
        period_start__lte=end,
        period_end__gte=start,
    ).update(status=BillStatus.EXCLUDED, error="Replaced by the account's final bill.")


def _month_from(start: date) -> date:
    """The last day of the month that opens on ``start`` (Oct 1 -> Oct 31, Oct 16 -> Nov 15)."""
    year, month = start.year + start.month // 12, start.month % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)
