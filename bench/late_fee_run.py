"""late_fee_run: late fees assessed and posted per second over ``ACCOUNTS`` accounts, a
fifth of them late.

Data: ``ACCOUNTS`` accounts (``BENCH_LATE_FEE_ACCOUNTS``; 10,000 in ``make bench``, the
issue's 100,000 takes long to build today), one water-and-sewer bill each due on one date,
four in five paid in full, the day closed and the next opened, then ``VACUUM (ANALYZE)`` (as
autovacuum leaves the tables before a run days after the due date). Measured: a late-fee
run for that due date, both long tasks (Calculate: the proof list of every bill due that
day; Post: accounts locked, the past due recomputed, the fees queued on one
``LedgerWriter`` and flushed), as fees posted over the seconds of both stages.
Baseline: pgbench's tpcb-like TPS on the same server in the same run
(``bench.ledger_posting.pgbench_tps``). Unit ``fees_per_s``; target >= 1.
"""

from __future__ import annotations

import os
import time
from datetime import date
from typing import Any

from bench.aging_asof import CHUNK
from bench.common import Result, log, recreate_database, settle, setup_django

DATABASE = "billing_bench_late_fees"
ACCOUNTS = int(os.environ.get("BENCH_LATE_FEE_ACCOUNTS", "10000"))  # the issue: 100,000
DUE = date(2025, 11, 21)


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user = billed_and_mostly_paid()
    value = fees_per_second(user)
    from bench.ledger_posting import pgbench_tps

    return Result("late_fee_run", value, "fees_per_s", pgbench_tps(), 1.0)


def billed_and_mostly_paid() -> Any:
    from django.db import transaction

    from bench import aging_asof
    from billing.models import BillingCycle, BillRun
    from ledger import services
    from ledger.models import BusinessDay

    user, ids = aging_asof.prepare(ACCOUNTS)
    cycle = BillingCycle.objects.create(code="BENCH", name="Bench cycle")
    services.business_day_open(on=date(2025, 11, 3), acting_user=user)
    run = BillRun.objects.create(
        cycle=cycle, period_start=date(2025, 10, 1), period_end=date(2025, 10, 31),
        bill_date=date(2025, 11, 1), due_date=DUE, status="posted", created_by=user,
    )  # fmt: skip
    for offset in range(0, len(ids), CHUNK):
        with transaction.atomic():
            aging_asof.bill_and_pay(user, run, ids[offset : offset + CHUNK], 11, late_every=5)
    services.refresh_planner_statistics()
    day = BusinessDay.objects.get(status="open")
    services.business_day_close(day=day, acting_user=user, next_date=date(2025, 12, 8))
    settle("late_fee_run")
    log(f"late_fee_run: {len(ids):,} bills due {DUE}, one in five unpaid")
    return user


def fees_per_second(user: Any) -> float:
    from billing_site.common.tasks import run_long_task
    from collections_app.services import late_fees

    started = time.perf_counter()
    run = late_fees.late_fee_run_start(due_date=DUE, acting_user=user)
    run_long_task(task=late_fees.run_task(run))  # type: ignore[arg-type]
    calculated = time.perf_counter() - started
    run_long_task(task=late_fees.late_fee_run_post(run=run, acting_user=user))
    seconds = time.perf_counter() - started
    posted = run.lines.filter(status="posted").count()
    log(f"late_fee_run: calculated in {calculated:.1f} s, {posted:,} fees posted, "
        f"{seconds:.1f} s in all")  # fmt: skip
    return posted / seconds


if __name__ == "__main__":
    print(main().line(), flush=True)
