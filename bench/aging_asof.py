"""aging_asof: seconds for the aging of ``ACCOUNTS`` accounts with a year of bills, as of a
past month-end, against a bare ``SUM ... GROUP BY account`` over the same entries.

Data: ``ACCOUNTS`` accounts (``BENCH_AGING_ACCOUNTS``; 10,000 in ``make bench``, the issue says
100,000, which takes most of an hour to build today), twelve monthly
bills of water and sewer in 2025 (each a journal charge posted through the ledger's bulk
path, with its bill run and bill row so the bill date is known), each month's payments
(most accounts pay their bill, one in five pays half, one in ten nothing), a business day
per month. Measured: ``collections_app.services.aging`` run as its long task (chunks of
10,000 accounts, each one INSERT ... SELECT of the FIFO parts) as of 2025-11-30, plus the
reconciliation. Baseline: the same entries (receivable lines dated on or before that day)
summed per account in one statement, in the same run. Unit ``s``; target ratio <= 3.
"""

from __future__ import annotations

import os
import time
from datetime import date
from decimal import Decimal
from typing import Any

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_aging"
ACCOUNTS = int(os.environ.get("BENCH_AGING_ACCOUNTS", "10000"))  # the issue: 100,000
CHUNK = 5_000
AS_OF = date(2025, 11, 30)


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user, ids = prepare()
    year_of_bills(user, ids)
    baseline = bare_sum_seconds()
    value = aging_seconds(user)
    return Result("aging_asof", value, "s", baseline, 3.0)


def prepare(count: int = ACCOUNTS) -> tuple[Any, list[int]]:
    from django.contrib.auth.models import Group, User

    from bench.dataset import build_accounts
    from billing_site.common import roles

    user = User.objects.create_user("bench-supervisor")
    user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    user = User.objects.get(pk=user.pk)
    log(f"{count:,} accounts")
    return user, build_accounts(count=count, seed=13, all_active=True)


def year_of_bills(user: Any, ids: list[int]) -> None:
    from django.db import transaction

    from billing.models import BillingCycle, BillRun
    from ledger import services
    from ledger.models import BusinessDay

    cycle = BillingCycle.objects.create(code="BENCH", name="Bench cycle")
    services.business_day_open(on=date(2025, 1, 3), acting_user=user)
    for month in range(1, 13):
        bill_date = date(2025, month, 1)
        run = BillRun.objects.create(
            cycle=cycle, period_start=bill_date, period_end=bill_date, bill_date=bill_date,
            due_date=bill_date.replace(day=21), status="posted", created_by=user,
        )  # fmt: skip
        started = time.perf_counter()
        for offset in range(0, len(ids), CHUNK):
            with transaction.atomic():
                bill_and_pay(user, run, ids[offset : offset + CHUNK], month)
        log(f"aging_asof: month {month} billed and paid in {time.perf_counter() - started:.1f} s")
        day = BusinessDay.objects.get(status="open")
        following = date(2025, month + 1, 3) if month < 12 else date(2026, 1, 5)
        services.business_day_close(day=day, acting_user=user, next_date=following)
    services.refresh_planner_statistics()


def bill_and_pay(user: Any, run: Any, chunk: list[int], month: int, *, late_every: int = 0) -> None:
    """Bill ``chunk`` on ``run`` and take payments: all pay (one in ``late_every`` none), or
    with ``late_every`` 0: one in ten nothing, one in five half, the rest in full."""
    from billing.models import Bill
    from ledger import services
    from ledger.choices import GLRole, TransactionKind
    from ledger.reference import chart

    by_code = {s.code: s for s in chart().services}
    water, sewer = Decimal("31.40") + month, Decimal("22.15")
    charges = [(by_code["WATER"], water), (by_code["SEWER"], sewer)]
    txns = services.post_charges_bulk(
        bills=[services.AccountCharges(account=pk, charges=charges, memo="Bench bill")
               for pk in chunk],
        acting_user=user,
    )  # fmt: skip
    Bill.objects.bulk_create(
        Bill(run=run, account_id=pk, status="posted", number=run.pk * 10_000_000 + pk,
             period_start=run.period_start, period_end=run.period_end, due_date=run.due_date,
             new_charges=water + sewer, amount_due=water + sewer, transaction=txn)
        for pk, txn in zip(chunk, txns, strict=True)
    )  # fmt: skip
    writer = services.writer_for(user)
    writer.lock(chunk)
    cash = chart().gl(GLRole.CASH)
    for n, pk in enumerate(chunk):
        if late_every:
            share = Decimal(0) if n % late_every == 0 else Decimal(1)
        else:
            share = Decimal(0) if n % 10 == 0 else Decimal("0.5") if n % 5 == 1 else Decimal(1)
        amount = ((water + sewer) * share).quantize(Decimal("0.01"))
        if amount:
            account = writer.account(pk)
            writer.post(kind=TransactionKind.PAYMENT, memo="Bench payment",
                        lines=services.payment_lines(writer, account, amount, cash))  # fmt: skip
    writer.flush()


def bare_sum_seconds() -> float:
    from django.db import connection

    from ledger.choices import GLRole

    sql = """
      SELECT e.account_id, SUM(e.amount) FROM ledger_journalentry e
      JOIN ledger_journaltransaction t ON t.id = e.transaction_id
      JOIN ledger_glaccount g ON g.id = e.gl_account_id
      WHERE g.role = %s AND e.account_id IS NOT NULL AND t.business_date <= %s
      GROUP BY e.account_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [GLRole.RECEIVABLE, AS_OF])  # warm the cache once
        started = time.perf_counter()
        cursor.execute(sql, [GLRole.RECEIVABLE, AS_OF])
        rows = len(cursor.fetchall())
    seconds = time.perf_counter() - started
    log(f"aging_asof: bare SUM GROUP BY account: {rows:,} accounts in {seconds:.2f} s")
    return seconds


def aging_seconds(user: Any) -> float:
    from billing_site.common.tasks import long_task_for, run_long_task
    from collections_app.services import aging

    started = time.perf_counter()
    run = aging.aging_run_start(as_of=AS_OF, acting_user=user)
    task = long_task_for(kind=aging.AGING_TASK, subject=run)
    assert task is not None
    run_long_task(task=task)
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    assert run.status == "done" and run.difference == 0, "the aging must reconcile"
    log(f"aging_asof: aging of {ACCOUNTS:,} accounts as of {AS_OF} in {seconds:.2f} s; "
        f"total {run.aging_total}, receivable GL {run.receivable_gl_total}")  # fmt: skip
    return seconds


if __name__ == "__main__":
    print(main().line(), flush=True)
