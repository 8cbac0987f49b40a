"""ledger_posting: payments per second posted by 8 concurrent workers.

Each worker is a separate process with its own database connection (as eight
counter clerks on eight app-server workers would be) calling
``ledger.services.post_payment`` in a loop for ``DURATION`` seconds, each
payment for a random one of ``ACCOUNTS`` accounts that carry a month's charges
for four services. A payment is one database transaction: lock the account,
allocate by payment order, write the journal transaction, its entries, the new
balance and its history row, and pass the deferred ledger checks at commit.

Baseline: pgbench's built-in tpcb-like transaction (three UPDATEs, a SELECT and
an INSERT) with 8 clients, scale 8, for the same time on the same server.
Target: at least half of pgbench's rate (ratio >= 0.5).
"""

from __future__ import annotations

import multiprocessing
import random
import re
import subprocess
import time
from decimal import Decimal
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from bench.common import (
    Result,
    drop_database,
    libpq_env,
    log,
    pgbench_path,
    recreate_database,
    setup_django,
)

DATABASE = "billing_bench_ledger"
PGBENCH_DATABASE = "billing_bench_pgbench"
WORKERS = 8
DURATION = 10.0
ACCOUNTS = 1_000
SCALE = 8


def main() -> Result:
    recreate_database(DATABASE)  # a fresh ledger every run, so runs compare
    setup_django(DATABASE)
    clerk_id, account_ids = prepare()
    value = payments_per_second(clerk_id, account_ids)
    baseline = pgbench_tps()
    return Result("ledger_posting", value, "payments_per_s", baseline, 0.5)


def prepare() -> tuple[int, list[int]]:
    """A clerk, an open business day, and accounts each owing one month's bill."""
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone

    from bench.dataset import build_accounts
    from billing_site.common import roles
    from ledger import services
    from ledger.choices import TransactionKind
    from ledger.services import Line

    clerk = User.objects.create_user("bench-clerk")
    clerk.groups.add(Group.objects.get(name=roles.CLERK))
    clerk = User.objects.get(pk=clerk.pk)
    services.business_day_open(on=timezone.localdate(), acting_user=clerk)
    log(f"ledger_posting: {ACCOUNTS:,} accounts with a month's charges")
    ids = build_accounts(count=ACCOUNTS, seed=1, all_active=True)
    charges = [("WATER", "38.12"), ("SEWER", "41.60"), ("STORM", "8.10"), ("TRASH", "26.40")]
    with transaction.atomic():
        writer = services.writer_for(clerk)
        for account in writer.lock(ids):
            lines = []
            for code, amount in charges:
                service = writer.service(code)
                lines.append(writer.receivable_line(account, Decimal(amount), service))
                lines.append(Line(gl_account=service.revenue_gl, amount=-Decimal(amount)))
            writer.post(kind=TransactionKind.CHARGE, lines=lines, memo="Bench bill")
        writer.flush()
    return clerk.pk, ids


def payments_per_second(clerk_id: int, account_ids: list[int]) -> float:
    from django.db import connections

    connections.close_all()  # every worker opens its own connection
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS + 1)
    results: Queue[tuple[int, float] | str] = context.Queue()
    workers = [
        context.Process(target=_worker, args=(n, clerk_id, account_ids, barrier, results))
        for n in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)  # everyone connected and warmed up
    log(f"ledger_posting: {WORKERS} workers posting payments for {DURATION:g} s")
    outcomes = [results.get(timeout=DURATION + 120) for _ in workers]
    for worker in workers:
        worker.join()
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError(f"ledger_posting worker failed: {failures[0]}")
    counts = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    total = sum(count for count, _seconds in counts)
    seconds = max(seconds for _count, seconds in counts)
    log(f"ledger_posting: {total:,} payments in {seconds:.1f} s")
    return total / seconds


def _worker(
    number: int, clerk_id: int, account_ids: list[int], barrier: Barrier, results: Queue[Any]
) -> None:
    from django.contrib.auth.models import User
    from django.db import connections

    from accounts.models import Account
    from ledger.services import post_payment

    rng = random.Random(number)
    try:
        clerk = User.objects.get(pk=clerk_id)

        def pay() -> None:
            amount = Decimal(rng.randint(500, 12_000)) / 100
            account = Account(pk=rng.choice(account_ids))
            post_payment(account=account, amount=amount, memo="Bench payment", acting_user=clerk)

        pay()  # connect, fill the permission cache
        barrier.wait(timeout=120)
        started = time.perf_counter()
        deadline = started + DURATION
        count = 0
        while time.perf_counter() < deadline:
            pay()
            count += 1
        results.put((count, time.perf_counter() - started))
    except Exception as error:  # report it; the parent fails the benchmark
        barrier.abort()
        results.put(f"{type(error).__name__}: {error}")
    finally:
        connections.close_all()


def pgbench_tps() -> float:
    """pgbench's tpcb-like TPS with 8 clients on the same server, in a database of its own."""
    recreate_database(PGBENCH_DATABASE)
    env = libpq_env(PGBENCH_DATABASE)
    pgbench = pgbench_path()
    log(f"ledger_posting: pgbench -i -s {SCALE}")
    subprocess.run(
        [pgbench, "-i", "-s", str(SCALE), "-q"], env=env, check=True, capture_output=True
    )
    log(f"ledger_posting: pgbench -c {WORKERS} -j 2 -T {DURATION:g} (tpcb-like)")
    run = subprocess.run(
        [pgbench, "-c", str(WORKERS), "-j", "2", "-T", str(int(DURATION))],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    drop_database(PGBENCH_DATABASE)
    match = re.search(r"^tps = ([0-9.]+)", run.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no tps in pgbench output:\n{run.stdout}\n{run.stderr}")
    log(f"ledger_posting: pgbench {float(match.group(1)):.0f} tps")
    return float(match.group(1))


if __name__ == "__main__":
    print(main().line(), flush=True)
