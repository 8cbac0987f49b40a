"""bill_run: bills calculated and posted per second for one cycle, four services each.

Builds ``--accounts N`` accounts (``BENCH_BILL_ACCOUNTS``; default 5,000 so that
``make bench`` stays a few minutes; the issue's 100,000 is measured with
``python -m bench.bill_run --accounts 100000`` and written in docs/bench.md) on one
cycle, each with the demo city's four agreements (water on a meter, sewer on the
winter average of water use, stormwater per ERU, solid waste per cart; the rates of
``billing/fixtures/rates_demo.json``, loaded through the rate-file services) and a
year of monthly reads. Then two real bill runs of that cycle, end to end through
``billing.bills.runs``: Calculate (every chunk of the long task) and Post (every
chunk: the ledger's bulk path, line links, balances), each stage run by *worker
processes* calling ``run_long_task`` as ``run_worker`` does (PDFs excluded):

* October with **1** worker process, November with **2** (they share the chunks: the
  long tasks of a bill run are parallel kinds). November has October's bills behind
  it (previous balance, one more month of reads), so it does slightly more work.

Two BENCH lines:

* ``bill_run``: bills per second with 2 workers (what the default
  ``BILLING_RUN_WORKERS`` gives), baseline pgbench tpcb-like (8 clients) on the same
  server in the same run, target ratio >= 1.0.
* ``bill_run_workers``: 2 workers' bills per second against 1 worker's, target >= 1.6.

``--profile`` writes a cProfile of one Calculate and one Post chunk, with their
query counts, to ``bench/out/bill_run.txt``.
"""

from __future__ import annotations

import cProfile
import io
import multiprocessing
import os
import pstats
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.common import OUT, Result, log, recreate_database, setup_django

DATABASE = "billing_bench_bill_run"
ACCOUNTS = int(os.environ.get("BENCH_BILL_ACCOUNTS", "5000"))
PERIODS = (
    (date(2026, 10, 1), date(2026, 10, 31), date(2026, 11, 3)),
    (date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 3)),
)
SEASON = (0.85, 0.8, 0.85, 0.95, 1.05, 1.25, 1.4, 1.35, 1.15, 1.0, 0.9, 0.85)


def main(profile: bool = False) -> list[Result]:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user_id, cycle_id = prepare()
    if profile:
        write_profile(user_id, cycle_id)
        return []
    (start, end, bill_date), (start2, end2, bill_date2) = PERIODS
    one = bills_per_second(user_id, cycle_id, start, end, bill_date, workers=1)
    two = bills_per_second(user_id, cycle_id, start2, end2, bill_date2, workers=2)
    from bench.ledger_posting import pgbench_tps

    return [
        Result("bill_run", two, "bills_per_s", pgbench_tps(), 1),
        Result("bill_run_workers", two, "bills_per_s_2_workers", one, 1.6),
    ]


# -- the city -----------------------------------------------------------------------


def prepare() -> tuple[int, int]:
    from django.contrib.auth.models import Group, User

    from accounts.models import Account
    from bench.dataset import build_accounts
    from billing.demo import RATES
    from billing.models import (
        BillingCycle,
        Meter,
        MeterInstall,
        RateSchedule,
        Route,
        RouteStop,
        ServiceAgreement,
    )
    from billing.services.rates import rate_file_apply, rate_file_preview
    from billing_site.common import roles
    from ledger.models import BusinessDay

    admin = User.objects.create_superuser("bench-admin")
    user = User.objects.create_user("bench-coordinator")
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    BusinessDay.objects.get_or_create(date=date(2026, 12, 1))
    text = RATES.read_text()
    rate_file_apply(
        text=text, confirmed_digest=rate_file_preview(text=text, acting_user=admin).digest,
        acting_user=admin,
    )  # fmt: skip
    log(f"bill_run: {ACCOUNTS:,} accounts with four services and a year of reads")
    ids = build_accounts(count=ACCOUNTS, seed=5, all_active=True)
    premises = dict(Account.objects.filter(pk__in=ids).values_list("pk", "premise_id"))
    schedules = {s.service.code: s for s in RateSchedule.objects.select_related("service")}
    cycle = BillingCycle.objects.create(code="BENCH", name="Bench cycle", read_day=28)
    route = Route.objects.create(code="BENCH", name="Bench route", cycle=cycle)
    RouteStop.objects.bulk_create(
        (RouteStop(route=route, account_id=pk, sequence=n) for n, pk in enumerate(ids)),
        batch_size=5000,
    )
    ServiceAgreement.objects.bulk_create(
        (
            ServiceAgreement(
                account_id=pk, premise_id=premises[pk], service_id=s.service_id,
                rate_schedule=s, start_date=date(2025, 10, 1), meter_size="5/8",
                eru=Decimal("1.0") if code == "STORM" else None,
                carts=1 if code == "TRASH" else None,
            )
            for pk in ids
            for code, s in sorted(schedules.items())
        ),
        batch_size=5000,
    )  # fmt: skip
    water = schedules["WATER"].service_id
    meters = Meter.objects.bulk_create(
        (Meter(number=f"BB{n:07d}", size="5/8", service_id=water) for n in range(len(ids))),
        batch_size=5000,
    )
    MeterInstall.objects.bulk_create(
        (
            MeterInstall(meter=m, premise_id=premises[pk], installed_on=date(2025, 9, 1))
            for m, pk in zip(meters, ids, strict=True)
        ),
        batch_size=5000,
    )
    _reads([(m.pk, premises[pk]) for m, pk in zip(meters, ids, strict=True)], user.pk)
    return user.pk, cycle.pk


def _reads(meters: list[tuple[int, int]], user_id: int) -> None:
    """Month-end reads from September 2025 to November 2026, with seasonal use."""
    from billing.services.reads import READ_COLUMNS, copy_rows

    rng = random.Random(7)
    days = [date(2025, 9, 30)]
    while days[-1] < date(2026, 11, 30):
        following = days[-1] + timedelta(days=32)
        days.append(date(following.year, following.month, 1) - timedelta(days=1))

    def rows():  # type: ignore[no-untyped-def]
        for meter_id, premise_id in meters:
            daily, reading = rng.uniform(80, 260), Decimal(rng.randint(1_000, 90_000))
            for n, day in enumerate(days):
                if n:
                    use = daily * SEASON[day.month - 1] * (day - days[n - 1]).days
                    reading = (reading + Decimal(int(use))) % Decimal(10**6)
                kind = "initial" if n == 0 else "actual"
                yield (meter_id, premise_id, day, reading, kind, "01", "bench", user_id, "", None)

    copy_rows("billing_meterread", READ_COLUMNS, rows())


# -- the runs -----------------------------------------------------------------------


def bills_per_second(
    user_id: int, cycle_id: int, start: date, end: date, bill_date: date, *, workers: int
) -> float:
    from django.contrib.auth.models import User

    from billing.bills import runs
    from billing.models import BillingCycle

    user = User.objects.get(pk=user_id)
    cycle = BillingCycle.objects.get(pk=cycle_id)
    started = time.perf_counter()
    run = runs.bill_run_start(
        cycle=cycle, period_start=start, period_end=end, bill_date=bill_date, acting_user=user
    )
    calculate = runs.bill_run_long_task(run, runs.CALCULATE_TASK)
    assert calculate is not None
    in_workers(calculate.pk, workers)
    calculated = time.perf_counter()
    run.refresh_from_db()
    post = runs.bill_run_post(run=run, confirmed_total=runs.run_total(run), acting_user=user)
    in_workers(post.pk, workers)
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    assert run.status == "posted", run.status
    posted = run.bills.filter(status="posted").count()
    log(
        f"bill_run: {start:%B}, {workers} worker(s): {posted:,} bills in {seconds:.1f} s "
        f"(calculate {calculated - started:.1f} s, post {seconds - (calculated - started):.1f} s)"
        f" = {posted / seconds:.1f} bills/s"
    )
    return posted / seconds


def in_workers(task_pk: int, workers: int) -> None:
    """Run the long task in ``workers`` processes at once (as ``run_worker`` would)."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_work, args=(task_pk,)) for _ in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a worker exited with {process.exitcode}")


def _work(task_pk: int) -> None:
    from billing_site.common.models import LongTask
    from billing_site.common.tasks import run_long_task

    run_long_task(task=LongTask.objects.get(pk=task_pk))


# -- profile ------------------------------------------------------------------------


def write_profile(user_id: int, cycle_id: int) -> None:
    """cProfile and query counts of one Calculate chunk and one Post chunk, in this process."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from billing.bills import runs
    from billing.models import BillingCycle
    from billing_site.common.models import LongTask

    user = User.objects.get(pk=user_id)
    (start, end, bill_date), _ = PERIODS
    run = runs.bill_run_start(
        cycle=BillingCycle.objects.get(pk=cycle_id), period_start=start, period_end=end,
        bill_date=bill_date, acting_user=user,
    )  # fmt: skip
    task = runs.bill_run_long_task(run, runs.CALCULATE_TASK)
    assert task is not None
    report = io.StringIO()
    for name, chunk in (("calculate", runs.bill_run_calculate_chunk),):
        report.write(_profiled(name, lambda c=chunk, t=task: c(task=t, number=0, acting_user=user)))
    in_workers(task.pk, 1)
    run.refresh_from_db()
    post = runs.bill_run_post(run=run, confirmed_total=runs.run_total(run), acting_user=user)
    post = LongTask.objects.get(pk=post.pk)
    report.write(
        _profiled("post", lambda: runs.bill_run_post_chunk(task=post, number=0, acting_user=user))
    )
    del connection, transaction, CaptureQueriesContext
    OUT.mkdir(exist_ok=True)
    (OUT / "bill_run.txt").write_text(report.getvalue())
    log(f"bill_run: profile in {OUT / 'bill_run.txt'}")


def _profiled(name: str, action) -> str:  # type: ignore[no-untyped-def]
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        with transaction.atomic():
            profiler.enable()
            action()
            profiler.disable()
            transaction.set_rollback(True)
        seconds = time.perf_counter() - started
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    return f"== {name} chunk: {seconds:.2f} s, {len(queries)} queries\n{out.getvalue()}\n"


if __name__ == "__main__":
    if "--accounts" in sys.argv:
        ACCOUNTS = int(sys.argv[sys.argv.index("--accounts") + 1])
    for result in main(profile="--profile" in sys.argv):
        print(result.line(), flush=True)
