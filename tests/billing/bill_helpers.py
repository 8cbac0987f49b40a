"""Bill-run test data: accounts on cycle C1 with a metered water agreement and reads
for October 2026 (12,000 gallons: $12.50 base + 12 kgal x $3.10 = $49.70)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from django.contrib.auth.models import User

from accounts.models import Account
from billing.bills import runs
from billing.models import BillingCycle, BillRun, Meter, MeterRead, Route
from billing.services.agreements import route_stop_set
from billing_site.common.tasks import run_long_task
from tests.factories import make_account

from .helpers import agreement, metered_account, water_schedule

START, END, BILL_DATE = date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 3)


def read(by: User, meter: Meter, on: date, reading: str) -> MeterRead:
    return MeterRead.objects.create(
        meter=meter, premise_id=meter.installs.get().premise_id, read_date=on,
        reading=D(reading), recorded_by=by,
    )  # fmt: skip


def billed_account(
    by: User, account: Account, n: int, *, use: int = 12_000, cycle_code: str = "C1"
) -> Meter:
    """``account`` on cycle C1 with water, a read on 2026-09-30 and one ``use`` later."""
    from billing.models import RateSchedule

    schedule = RateSchedule.objects.filter(code="W-TEST").first() or water_schedule("W-TEST")
    meter = metered_account(by, account, number=f"M-{cycle_code}-{n}")
    agreement(by, account, schedule)
    c1, _ = BillingCycle.objects.get_or_create(code=cycle_code, defaults={"name": "Cycle 1"})
    route, _ = Route.objects.get_or_create(
        code=f"R{cycle_code}", defaults={"name": "North", "cycle": c1}
    )
    route_stop_set(account=account, route_id=route.pk, sequence=10 + n, acting_user=by)
    read(by, meter, date(2026, 9, 30), "5000")
    read(by, meter, END, str(5000 + use))
    return meter


def accounts(by: User, count: int) -> list[Account]:
    made = []
    for n in range(count):
        account = make_account(by)
        billed_account(by, account, n, use=12_000 + 1000 * n)
        made.append(account)
    return made


def cycle(code: str = "C1") -> BillingCycle:
    return BillingCycle.objects.get(code=code)


def calculated(by: User, cycle_code: str = "C1") -> BillRun:
    """A run of C1 for October, calculated (the task run here, as a worker would)."""
    run = runs.bill_run_start(
        cycle=cycle(cycle_code),
        period_start=START,
        period_end=END,
        bill_date=BILL_DATE,
        acting_user=by,
    )
    task = runs.bill_run_long_task(run, runs.CALCULATE_TASK)
    assert task is not None
    if task.status != "done":
        run_long_task(task=task)
    run.refresh_from_db()
    return run


def posted(by: User, run: BillRun, **extra) -> BillRun:
    task = runs.bill_run_post(run=run, confirmed_total=runs.run_total(run), acting_user=by, **extra)
    task.refresh_from_db()
    if task.status != "done":
        run_long_task(task=task)
    run.refresh_from_db()
    return run


def bill_url_values(by: User) -> dict[str, int]:
    """A calculated run with one draft bill, for the site-wide URL walks."""
    from billing.models import MiscFee
    from billing.services.one_time import post_one_time_charge

    account = make_account(by)
    billed_account(by, account, 1, cycle_code="CBILL")
    run = calculated(by, "CBILL")
    charge = post_one_time_charge(
        account=account, fee=MiscFee.objects.get(code="meter-pull"), reason="Walk",
        acting_user=by,
    )  # fmt: skip
    return {"run_pk": run.pk, "bill_pk": run.bills.get(status="draft").pk, "charge_pk": charge.pk}
