"""posting_history: does a posting cost more on an account with a long history?

A utility account gets twelve bills a year for decades. Two accounts are set
up: one with ``SHORT`` past transactions and one with ``LONG`` (half bills for
four services, half payments), then ``ROUNDS`` payments are posted through
``ledger.services.post_payment`` to each, alternating, one at a time in one
process, each payment its own database transaction (with the commit-time
checks). Each payment is timed end to end.

Value: median milliseconds per payment to the long account; baseline: the
same to the short account. Unit ``ms_lower_is_better``; target ratio <= 1.2
(what a posting reads is kept current, never summed from the account's history).
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_history"
SHORT = 10
LONG = 10_000
ROUNDS = 300
CHUNK = 1_000  # past postings per LedgerWriter flush while setting up


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    clerk, short, long = prepare()
    times: dict[int, list[float]] = {short: [], long: []}
    for _ in range(ROUNDS):
        for account_id in (short, long):
            times[account_id].append(_pay(clerk, account_id))
    short_ms = statistics.median(times[short]) * 1000
    long_ms = statistics.median(times[long]) * 1000
    log(
        f"posting_history: median {short_ms:.2f} ms with {SHORT:,} past transactions, "
        f"{long_ms:.2f} ms with {LONG:,}"
    )
    return Result("posting_history", long_ms, "ms_lower_is_better", short_ms, 1.2)


def prepare() -> tuple[object, int, int]:
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from bench.dataset import build_accounts
    from billing_site.common import roles
    from ledger import services

    clerk = User.objects.create_user("bench-clerk")
    clerk.groups.add(Group.objects.get(name=roles.CLERK))
    clerk = User.objects.get(pk=clerk.pk)
    services.business_day_open(on=timezone.localdate(), acting_user=clerk)
    short, long = build_accounts(count=2, seed=7, all_active=True)
    for account_id, past in ((short, SHORT), (long, LONG)):
        log(f"posting_history: {past:,} past transactions on account {account_id}")
        for start in range(0, past, CHUNK):
            _history(clerk, account_id, min(CHUNK, past - start))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for account_id in (short, long):  # warm caches and plans
        _pay(clerk, account_id)
    return clerk, short, long


def _history(clerk: object, account_id: int, count: int) -> None:
    """``count`` past transactions: a month's bill, then its payment, alternating."""
    from django.db import transaction

    from ledger import services
    from ledger.choices import GLRole, TransactionKind

    charges = [("WATER", "38.12"), ("SEWER", "41.60"), ("STORM", "8.10"), ("TRASH", "26.40")]
    with transaction.atomic():
        writer = services.writer_for(clerk)
        (account,) = writer.lock([account_id])
        cash = writer.chart.gl(GLRole.CASH)
        bill = [(writer.service(code), Decimal(amount)) for code, amount in charges]
        for n in range(count):
            if n % 2 == 0:
                lines = services.charge_lines(writer, account, bill)
                writer.post(kind=TransactionKind.CHARGE, lines=lines, memo="Past bill")
            else:
                lines = services.payment_lines(writer, account, Decimal("114.22"), cash)
                writer.post(kind=TransactionKind.PAYMENT, lines=lines, memo="Past payment")
        writer.flush()


def _pay(clerk: object, account_id: int) -> float:
    from accounts.models import Account
    from ledger.services import post_payment

    started = time.perf_counter()
    post_payment(
        account=Account(pk=account_id),
        amount=Decimal("12.34"),
        memo="Bench payment",
        acting_user=clerk,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    print(main().line(), flush=True)
