"""lockbox_import: rows per second importing and posting a 10,000-row lockbox file.

Times ``payments.services.lockbox_import`` (hash, parse, store the rows) plus
``lockbox_post_pending`` (what the task runs: chunks of 500 rows, one payment
transaction per row, allocated by payment order) for a file paying 2,000
accounts that carry a month's charges (the database then vacuumed and analyzed, as
autovacuum leaves it before the morning's file). About 1% of rows are for unknown accounts
and land in the exceptions queue, as in real files.

Baseline: pgbench's tpcb-like TPS (8 clients) on the same server in the same run
(``bench.ledger_posting.pgbench_tps``). Target: ratio >= 1.0 (the flush is one
set-based statement per chunk, ``ledger.writing``).
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from bench.common import Result, log, recreate_database, settle, setup_django

DATABASE = "billing_bench_lockbox"
ROWS = 10_000
ACCOUNTS = 2_000
HEADER = "deposit_date,batch,sequence,account,amount,check_number,remitter"


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user_id, numbers = prepare()
    settle("lockbox_import")
    data = lockbox_file(numbers)
    value = rows_per_second(user_id, data)
    from bench.ledger_posting import pgbench_tps

    return Result("lockbox_import", value, "rows_per_s", pgbench_tps(), 1.0)


def prepare() -> tuple[int, list[str]]:
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Account
    from bench.dataset import build_accounts
    from billing_site.common import roles
    from ledger import services
    from ledger.choices import TransactionKind
    from ledger.services import Line

    user = User.objects.create_user("bench-coordinator")
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    user = User.objects.get(pk=user.pk)
    services.business_day_open(on=timezone.localdate(), acting_user=user)
    log(f"lockbox_import: {ACCOUNTS:,} accounts with a month's charges")
    ids = build_accounts(count=ACCOUNTS, seed=2, all_active=True)
    with transaction.atomic():
        writer = services.writer_for(user)
        for account in writer.lock(ids):
            service = writer.service("WATER")
            lines = [
                writer.receivable_line(account, Decimal("64.20"), service),
                Line(gl_account=service.revenue_gl, amount=Decimal("-64.20")),
            ]
            writer.post(kind=TransactionKind.CHARGE, lines=lines, memo="Bench bill")
        writer.flush()
    numbers = list(Account.objects.filter(pk__in=ids).values_list("number", flat=True))
    return user.pk, numbers


def lockbox_file(numbers: list[str]) -> bytes:
    rng = random.Random(7)
    lines = [HEADER]
    total = Decimal("0.00")
    for n in range(1, ROWS + 1):
        account = rng.choice(numbers) if rng.random() > 0.01 else "99999999"
        amount = Decimal(rng.randint(1_000, 12_000)) / 100
        total += amount
        lines.append(f"2026-11-20,{1 + n // 500},{n},{account},{amount},{10_000 + n},Payer {n}")
    lines.append(f"trailer,{ROWS},{total:.2f}")  # the bank's control figures
    return ("\r\n".join(lines) + "\r\n").encode()


def rows_per_second(user_id: int, data: bytes) -> float:
    from django.contrib.auth.models import User

    from payments import services
    from payments.choices import ItemStatus

    user = User.objects.get(pk=user_id)
    log(f"lockbox_import: importing {ROWS:,} rows")
    started = time.perf_counter()
    batch = services.lockbox_import(file_name="bench.csv", data=data, acting_user=user)
    batch = services.lockbox_post_pending(batch=batch, acting_user=user)
    seconds = time.perf_counter() - started
    exceptions = batch.items.filter(status=ItemStatus.EXCEPTION).count()
    log(f"lockbox_import: {batch.rows_done:,} rows in {seconds:.1f} s ({exceptions} exceptions)")
    return batch.rows_done / seconds


if __name__ == "__main__":
    print(main().line(), flush=True)
