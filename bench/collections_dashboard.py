"""collections_dashboard: server time p95 of ``GET /collections/dashboard/`` over ``ACCOUNTS``
accounts with a year of bills and payments, against a bare query of the same rows.

Data (``bench.journal``, kept in ``billing_bench_collections`` between runs): ``ACCOUNTS``
accounts (``BENCH_COLLECTIONS_ACCOUNTS``, default 100,000), twelve monthly water and sewer
bills in 2025 with their bill rows, nine in ten accounts paying each month (one in five of
them the water only), one in twenty on a payment plan; the open business day is
2026-01-05, so the dashboard ages the month-ends of 2025. Measured: the page through
Django's test client (session, permissions, every panel: the receivables of twelve
closed month-ends read from their kept rows, computed once before measuring and timed
apart, ``collections_app.services.month_end_aging``; fees, notices, plans, deposits,
write-offs, the template),
``RUNS`` times after a warm-up; the query count is checked (fixed). Baseline: the
receivable lines dated on or before each of the twelve month-ends, summed per month-end
in one statement (the rows the aging reads, without the first-in-first-out walk).
Unit ms; target ratio <= 3.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.common import Result, counted_queries, log, percentile

ACCOUNTS = int(os.environ.get("BENCH_COLLECTIONS_ACCOUNTS", "100000"))
RUNS = int(os.environ.get("BENCH_COLLECTIONS_RUNS", "10"))
MAX_QUERIES = 16  # tests/collections_app/test_dashboard.py::QUERIES
BARE = """
SELECT d.as_of, SUM(e.amount)
FROM unnest(%(dates)s::date[]) AS d(as_of)
JOIN ledger_journaltransaction t ON t.business_date <= d.as_of
JOIN ledger_journalentry e ON e.transaction_id = t.id
WHERE e.service_id IS NOT NULL
GROUP BY d.as_of
"""


def main() -> Result:
    from bench.journal import collections_database

    user = collections_database(ACCOUNTS)
    store_month_ends(user)
    page, bare, queries = measure(user)
    log(f"collections_dashboard: {queries} queries; page p50 {percentile(page, 0.5):.0f} ms, "
        f"bare p50 {percentile(bare, 0.5):.0f} ms")  # fmt: skip
    if queries > MAX_QUERIES:
        raise SystemExit(f"collections_dashboard: {queries} queries, more than {MAX_QUERIES}")
    return Result("collections_dashboard", percentile(page, 0.95), "ms", percentile(bare, 0.95), 3)


def store_month_ends(user: Any) -> None:
    """Keep the closed month-ends (what the closed days' supervisor does once, with the
    dashboard's button or ``compute_month_end_aging``); the page then reads them. Timed
    apart: it is not part of a page view."""
    from collections_app.services import month_end_aging as service

    started = time.perf_counter()
    done = service.month_end_aging_store(
        month_ends=service.month_ends(service.dashboard_today()),
        limits=service.default_limits(),
        acting_user=user,
    )
    log(f"collections_dashboard: {len(done)} month-ends computed and kept in "
        f"{time.perf_counter() - started:.1f} s (once; the rest were kept already)")  # fmt: skip


def measure(user: Any) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test import Client

    from collections_app.dashboard import month_ends
    from ledger.selectors import open_business_day

    client = Client()
    client.force_login(user)
    client.get("/collections/dashboard/")  # warm-up: role cache, templates, buffers
    with counted_queries() as captured:
        answer = client.get("/collections/dashboard/")
    assert answer.status_code == 200 and b'id="chart-aging-months"' in answer.content
    day = open_business_day()
    assert day is not None
    dates = month_ends(day.date)
    page, bare = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get("/collections/dashboard/")
        page.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BARE, {"dates": dates})
            cursor.fetchall()
        bare.append((time.perf_counter() - started) * 1000)
    return page, bare, len(captured)


if __name__ == "__main__":
    print(main().line(), flush=True)
