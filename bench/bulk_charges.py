"""bulk_charges: bill-like postings per second through the ledger's bulk charge path.

A bill run's posting stage: ``ACCOUNTS`` accounts each charged water, sewer,
stormwater and trash, through ``ledger.services.post_charges_in_chunks`` in
chunks of ``CHUNK`` accounts, each chunk one database transaction (lock the
chunk's accounts in key order, settle credit, one statement for transactions,
entries, balances and history, the commit-time checks). Every chunk's time is
logged: the last must not be much slower than the first (stale plans).

Baseline: pgbench's tpcb-like TPS (8 clients) on the same server in the same
run (``bench.ledger_posting.pgbench_tps``). Unit ``postings_per_s`` (one
posting = one account's four-service bill); target ratio >= 1.0.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_bulk"
ACCOUNTS = 100_000
CHUNK = 10_000
CHARGES = (("WATER", "38.12"), ("SEWER", "41.60"), ("STORM", "8.10"), ("TRASH", "26.40"))


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user, ids = prepare()
    value = postings_per_second(user, ids)
    from bench.ledger_posting import pgbench_tps

    return Result("bulk_charges", value, "postings_per_s", pgbench_tps(), 1.0)


def prepare() -> tuple[Any, list[int]]:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from bench.dataset import build_accounts
    from billing_site.common import roles
    from ledger import services

    user = User.objects.create_user("bench-coordinator")
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    user = User.objects.get(pk=user.pk)
    services.business_day_open(on=timezone.localdate(), acting_user=user)
    log(f"bulk_charges: {ACCOUNTS:,} accounts")
    ids = build_accounts(count=ACCOUNTS, seed=3, all_active=True)
    return user, ids


def postings_per_second(user: Any, ids: list[int]) -> float:
    from ledger import services
    from ledger.reference import chart

    by_code = {s.code: s for s in chart().services}
    charges = [(by_code[code], Decimal(amount)) for code, amount in CHARGES]

    def bills() -> Iterator[services.AccountCharges]:
        for n, pk in enumerate(ids):
            if n % CHUNK == 0 and n:
                log(f"bulk_charges: {n:,} posted, chunk took {_lap():.2f} s")
            yield services.AccountCharges(account=pk, charges=charges, memo="Bench bill run")

    log(f"bulk_charges: posting {len(ids):,} bills in chunks of {CHUNK:,}")
    started = time.perf_counter()
    _lap()
    posted = services.post_charges_in_chunks(bills=bills(), acting_user=user, chunk_size=CHUNK)
    seconds = time.perf_counter() - started
    log(f"bulk_charges: last chunk took {_lap():.2f} s; {posted:,} bills in {seconds:.1f} s")
    return posted / seconds


_last = [0.0]


def _lap() -> float:
    now = time.perf_counter()
    lap, _last[0] = now - _last[0], now
    return lap


if __name__ == "__main__":
    print(main().line(), flush=True)
