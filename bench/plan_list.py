"""plan_list: server time p95 of ``GET /collections/plans/`` (active plans, first page of
50) over ``ACCOUNTS`` accounts with a year of bills and payments, one in twenty on a plan,
against a bare query of the same rows.

Data: the collections benchmarks' database (``bench.journal``, shared with
``collections_dashboard``; ``BENCH_COLLECTIONS_ACCOUNTS``, default 100,000). Measured: the
page through Django's test client (session, permissions, the count, the page of plans
with accounts and customers, their installments, what each account paid since its plan
started, the template), ``RUNS`` times after a warm-up; the query count is checked (fixed).
Baseline: the bare SQL of the same rows: the newest 50 active plans joined to their
accounts, customers and installments. Unit ms; target ratio <= 3.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bench.common import Result, counted_queries, log, percentile

ACCOUNTS = int(os.environ.get("BENCH_COLLECTIONS_ACCOUNTS", "100000"))
RUNS = 30
# tests/collections_app/test_dashboard.py::PLAN_LIST_QUERIES (7, for a coordinator): a
# supervisor's navigation shows two more counts (voids and refunds waiting), in the same
# statement as My work's.
MAX_QUERIES = 7
BARE = """
SELECT p.id, p.status, p.amount, p.start_date, a.number, c.last_name, c.organisation_name,
       i.number, i.due_date, i.amount
FROM (SELECT * FROM collections_paymentplan WHERE status = 'active' ORDER BY id DESC LIMIT 50) p
JOIN accounts_account a ON a.id = p.account_id
JOIN accounts_customer c ON c.id = a.customer_id
JOIN collections_planinstallment i ON i.plan_id = p.id
ORDER BY p.id DESC, i.number
"""


def main() -> Result:
    from bench.journal import collections_database

    user = collections_database(ACCOUNTS)
    from billing_site.common.warm import warm_and_freeze

    warm_and_freeze()  # as a served process starts (billing_site/wsgi.py)
    page, bare, queries = measure(user)
    log(f"plan_list: {queries} queries; page p50 {percentile(page, 0.5):.1f} ms, "
        f"bare p50 {percentile(bare, 0.5):.1f} ms")  # fmt: skip
    if queries > MAX_QUERIES:
        raise SystemExit(f"plan_list: {queries} queries, more than {MAX_QUERIES}")
    return Result("plan_list", percentile(page, 0.95), "ms", percentile(bare, 0.95), 3)


def measure(user: Any) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get("/collections/plans/")
    with counted_queries() as captured:
        answer = client.get("/collections/plans/")
    assert answer.status_code == 200 and answer.content.count(b'href="/collections/plans/') >= 50
    page, bare = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get("/collections/plans/")
        page.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BARE)
            cursor.fetchall()
        bare.append((time.perf_counter() - started) * 1000)
    return page, bare, len(captured)


if __name__ == "__main__":
    print(main().line(), flush=True)
