"""bill_run: bills calculated and posted per second for one cycle (PDFs excluded).

Builds ``BENCH_BILL_ACCOUNTS`` accounts (default 2,000 in ``make bench``: at today's
30 bills/s the issue's 100,000 would take most of an hour; ``--accounts N`` or the
environment variable for another size; the figure is per second either way) on one
cycle, each with a metered water agreement and two reads, then times
``billing.bills.runs`` end to end in this process:
Calculate (every chunk of the long task) and Post (every chunk: bill numbers, the
ledger's bulk path, line links). The issue asks for four services per account; this
first version bills water only (one service), so its figure flatters nothing: four
services cost more per bill.

Baseline: pgbench's tpcb-like TPS (8 clients) on the same server in the same run.
Target: ratio >= 1.0. The 2-workers-against-1 figure is not measured yet.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_bill_run"
ACCOUNTS = int(os.environ.get("BENCH_BILL_ACCOUNTS", "2000"))
START, END = date(2026, 10, 1), date(2026, 10, 31)


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user_id, cycle_id = prepare()
    value = bills_per_second(user_id, cycle_id)
    from bench.ledger_posting import pgbench_tps

    return Result("bill_run", value, "bills_per_s", pgbench_tps(), 1)


def prepare() -> tuple[int, int]:
    from django.contrib.auth.models import Group, User

    from accounts.models import Account
    from bench.dataset import build_accounts
    from billing.models import (
        BillingCycle,
        Meter,
        MeterInstall,
        MeterRead,
        RateComponent,
        RateSchedule,
        RateVersion,
        Route,
        RouteStop,
        ServiceAgreement,
    )  # fmt: skip
    from billing_site.common import roles
    from ledger.models import BusinessDay, Service

    user = User.objects.create_user("bench-coordinator")
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    BusinessDay.objects.get_or_create(date=date(2026, 11, 23))
    log(f"bill_run: {ACCOUNTS:,} accounts with a metered water agreement")
    ids = build_accounts(count=ACCOUNTS, seed=5, all_active=True)
    premises = dict(Account.objects.filter(pk__in=ids).values_list("pk", "premise_id"))
    water = Service.objects.get(code="WATER")
    schedule = RateSchedule.objects.create(code="W-BENCH", name="Water", service=water)
    version = RateVersion.objects.create(schedule=schedule, effective_from=date(2025, 1, 1))
    RateComponent.objects.create(
        version=version, position=1, code="base", label="Base", kind="fixed", fixed_basis="bill",
        amount=Decimal("12.50"),
    )  # fmt: skip
    RateComponent.objects.create(
        version=version, position=2, code="use", label="Use", kind="volumetric",
        usage_basis="metered", unit_size=Decimal(1000), amount=Decimal("3.10"),
    )  # fmt: skip
    cycle = BillingCycle.objects.create(code="BENCH", name="Bench cycle")
    route = Route.objects.create(code="BENCH", name="Bench route", cycle=cycle)
    RouteStop.objects.bulk_create(
        (RouteStop(route=route, account_id=pk, sequence=n) for n, pk in enumerate(ids)),
        batch_size=5000,
    )
    ServiceAgreement.objects.bulk_create(
        (
            ServiceAgreement(account_id=pk, premise_id=premises[pk], service=water,
                             rate_schedule=schedule, start_date=date(2025, 1, 1))
            for pk in ids
        ),
        batch_size=5000,
    )  # fmt: skip
    meters = Meter.objects.bulk_create(
        (Meter(number=f"BB{n:07d}", size="5/8", service=water) for n in range(len(ids))),
        batch_size=5000,
    )
    MeterInstall.objects.bulk_create(
        (
            MeterInstall(meter=m, premise_id=premises[pk], installed_on=date(2025, 1, 1))
            for m, pk in zip(meters, ids, strict=True)
        ),
        batch_size=5000,
    )
    MeterRead.objects.bulk_create(
        (
            MeterRead(meter=m, premise_id=premises[pk], read_date=day,
                      reading=Decimal(reading + n % 5000), recorded_by=user)
            for n, (m, pk) in enumerate(zip(meters, ids, strict=True))
            for day, reading in ((START - timedelta(days=1), 1000), (END, 13000))
        ),
        batch_size=5000,
    )  # fmt: skip
    return user.pk, cycle.pk


def bills_per_second(user_id: int, cycle_id: int) -> float:
    from django.contrib.auth.models import User

    from billing.bills import runs
    from billing.models import BillingCycle
    from billing_site.common.tasks import run_long_task

    user = User.objects.get(pk=user_id)
    cycle = BillingCycle.objects.get(pk=cycle_id)
    started = time.perf_counter()
    run = runs.bill_run_start(
        cycle=cycle, period_start=START, period_end=END, bill_date=date(2026, 11, 3),
        acting_user=user,
    )  # fmt: skip
    calculate = runs.bill_run_long_task(run, runs.CALCULATE_TASK)
    assert calculate is not None
    run_long_task(task=calculate)
    calculated = time.perf_counter()
    run.refresh_from_db()
    post = runs.bill_run_post(run=run, confirmed_total=runs.run_total(run), acting_user=user)
    run_long_task(task=post)
    seconds = time.perf_counter() - started
    posted = run.bills.filter(status="posted").count()
    log(
        f"bill_run: {posted:,} bills; calculate {calculated - started:.1f} s, "
        f"post {seconds - (calculated - started):.1f} s"
    )
    return posted / seconds


if __name__ == "__main__":
    if "--accounts" in sys.argv:
        ACCOUNTS = int(sys.argv[sys.argv.index("--accounts") + 1])
    print(main().line(), flush=True)
