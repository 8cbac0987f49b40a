"""my_work: server time of "My work" for a user with 500 open items among 50,000 open
items in the office, against a bare query of the same rows.

Data: ``BENCH_MY_WORK_ACCOUNTS`` accounts (default 2,000, ``bench.dataset``) and
``BENCH_MY_WORK_ITEMS`` open work items (default 50,000) over them: 500 are the
coordinator's (300 assigned to them by name, 200 in the Coordinator queue), the rest
belong to 20 other people and the Supervisor queue. Measured: ``GET /work/`` through
Django's test client (session, permissions, the counts per kind, the first page of 50 rows
with their forms), ``RUNS`` times after a warm-up; the page's query count must stay fixed.
Baseline: the bare SQL of the same 50 rows and columns (the items joined to accounts,
customers, users and groups, in the page's order, LIMIT/OFFSET). Unit ms; target ratio <= 3.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

from bench.common import Result, counted_queries, log, percentile, recreate_database, setup_django

DATABASE = "billing_bench_my_work"
ACCOUNTS = int(os.environ.get("BENCH_MY_WORK_ACCOUNTS", "2000"))
ITEMS = int(os.environ.get("BENCH_MY_WORK_ITEMS", "50000"))
MINE, IN_QUEUE = 300, 200
PER_PAGE = 50  # work_queues.selectors.PER_PAGE: the page shows the first 50 of the 500
RUNS = 30
MAX_QUERIES = 10
BARE = """
SELECT w.id, w.kind, w.source_key, w.why, w.priority, w.due_on, w.status, w.account_id,
       w.assigned_group_id, a.number, c.first_name, c.last_name, c.organisation_name,
       u.username, u.first_name, u.last_name, g.name
FROM work_queues_workitem w
LEFT JOIN accounts_account a ON a.id = w.account_id
LEFT JOIN accounts_customer c ON c.id = a.customer_id
LEFT JOIN auth_user u ON u.id = w.assigned_user_id
LEFT JOIN auth_group g ON g.id = w.assigned_group_id
WHERE w.status IN ('open', 'in_progress')
  AND (w.assigned_user_id = %s OR g.name = ANY(%s))
  AND w.kind = ANY(%s)
ORDER BY w.due_on ASC NULLS LAST, w.priority, w.id
LIMIT 50 OFFSET 0
"""


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    user = prepare()
    page, bare, queries = measure(user)
    log(f"my_work: {queries} queries per page; p50 {percentile(page, 0.5):.1f} ms")
    if queries > MAX_QUERIES:
        raise SystemExit(f"my_work: {queries} queries, more than {MAX_QUERIES}")
    return Result("my_work", percentile(page, 0.95), "ms", percentile(bare, 0.95), 3)


def prepare() -> Any:
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.dataset import build_accounts
    from billing_site.common import roles
    from work_queues.models import WorkItem

    coordinator = User.objects.create_user("bench-coordinator", password="x")
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATOR))
    others = []
    for n in range(20):
        other = User.objects.create_user(f"clerk{n:02d}", first_name=f"Clerk {n}", password="x")
        other.groups.add(Group.objects.get(name=roles.CLERK))
        others.append(other)
    ids = build_accounts(count=ACCOUNTS, seed=16, all_active=True)
    queue = Group.objects.get(name=roles.COORDINATOR)
    supervisors = Group.objects.get(name=roles.SUPERVISOR)
    kinds = ["lockbox_exception", "read_exception", "followup"]
    today = timezone.localdate()

    def item(i: int) -> WorkItem:
        kind = kinds[i % 3]
        where: dict[str, Any]
        if i < MINE:
            where = {"assigned_user": coordinator}
        elif i < MINE + IN_QUEUE:
            where = {"assigned_group": queue}
        elif i % 7 == 0:
            where = {"assigned_group": supervisors}
        else:
            where = {"assigned_user": others[i % 20]}
        return WorkItem(
            kind=kind, source_key=None if kind == "followup" else f"bench:{i}",
            account_id=ids[i % len(ids)], why=f"Bench item {i}: check the account",
            priority=1 + i % 4, due_on=today + timedelta(days=i % 30 - 10), **where,
        )  # fmt: skip

    with transaction.atomic():
        for start in range(0, ITEMS, 5000):
            WorkItem.objects.bulk_create(item(i) for i in range(start, min(ITEMS, start + 5000)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE work_queues_workitem")
    log(f"my_work: {ITEMS:,} open items, {MINE + IN_QUEUE} of them the coordinator's")
    return coordinator


def measure(user: Any) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test import Client

    from work_queues.kinds import kinds_for

    client = Client()
    client.force_login(user)
    client.get("/work/")  # warm-up: the session's role cache, templates
    with counted_queries() as captured:
        page = client.get("/work/")
    shown = page.content.count(b"data-item=")
    assert page.status_code == 200 and shown == PER_PAGE, shown  # the first page of 500
    kinds = kinds_for(user)
    times, bare = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get("/work/")
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BARE, [user.pk, ["Coordinator"], kinds])
            cursor.fetchall()
        bare.append((time.perf_counter() - started) * 1000)
    return times, bare, len(captured)


if __name__ == "__main__":
    print(main().line(), flush=True)
