"""read_import: reads validated and stored per second for a 100,000-read CSV file.

Times ``billing.services.imports.read_import_start`` (hash, parse, refuse-or-store the
lines) plus ``read_import_run`` (what the task runs: chunks of 1,000 lines, each
checked against its meter's history: premise, read date, rollover, zero, high/low
against the same month a year earlier) for 100,000 meters on 25,000 accounts, each
with a year of history. About 1% of reads fail a check and go to the exceptions queue.

Baseline: pgbench's tpcb-like TPS (8 clients) on the same server in the same run
(``bench.ledger_posting.pgbench_tps``). Target: ratio >= 1.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from decimal import Decimal

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_reads"
READS = int(os.environ.get("BENCH_READS", "100000"))
ACCOUNTS = READS // 4


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user_id, data = prepare()
    value = reads_per_second(user_id, data)
    from bench.ledger_posting import pgbench_tps

    return Result("read_import", value, "reads_per_s", pgbench_tps(), 1)


def prepare() -> tuple[int, bytes]:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from accounts.models import Account
    from bench.dataset import build_accounts
    from billing.models import Meter, MeterInstall, MeterRead
    from billing_site.common import roles
    from ledger.models import Service

    user = User.objects.create_user("bench-coordinator")
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    log(f"read_import: {ACCOUNTS:,} accounts, {READS:,} meters with a year of reads")
    ids = build_accounts(count=ACCOUNTS, seed=3, all_active=True)
    accounts = list(Account.objects.filter(pk__in=ids).values_list("number", "premise_id"))
    water = Service.objects.get(code="WATER")
    today = timezone.localdate()
    meters = Meter.objects.bulk_create(
        (Meter(number=f"B{n:07d}", size="5/8", service=water) for n in range(READS)),
        batch_size=5000,
    )
    where = [accounts[n % len(accounts)] for n in range(READS)]
    MeterInstall.objects.bulk_create(
        (
            MeterInstall(meter=m, premise_id=where[n][1], installed_on=today - timedelta(400))
            for n, m in enumerate(meters)
        ),
        batch_size=5000,
    )
    history = ((395, 1000), (365, 1300), (30, 4000))  # days ago, reading: ~10 a day
    MeterRead.objects.bulk_create(
        (
            MeterRead(meter=m, premise_id=where[n][1], read_date=today - timedelta(ago),
                      reading=Decimal(reading), recorded_by=user)
            for n, m in enumerate(meters)
            for ago, reading in history
        ),
        batch_size=5000,
    )  # fmt: skip
    rng = random.Random(11)
    lines = ["meter,account,read_date,reading,read_code"]
    for n, m in enumerate(meters):
        use = 0 if rng.random() < 0.01 else rng.randint(240, 360)
        lines.append(f"{m.number},{where[n][0]},{today:%Y-%m-%d},{4000 + use},01")
    return user.pk, ("\n".join(lines) + "\n").encode()


def reads_per_second(user_id: int, data: bytes) -> float:
    from django.contrib.auth.models import User

    from billing.services.imports import read_import_run, read_import_start

    user = User.objects.get(pk=user_id)
    log(f"read_import: importing {READS:,} reads")
    started = time.perf_counter()
    read_import, _ = read_import_start(
        file_name="bench.csv", data=data, format="csv", acting_user=user
    )
    done = read_import_run(read_import=read_import)
    seconds = time.perf_counter() - started
    log(f"read_import: {done.stored:,} stored, {done.exceptions:,} exceptions in {seconds:.1f} s")
    return (done.stored + done.exceptions) / seconds


if __name__ == "__main__":
    print(main().line(), flush=True)
