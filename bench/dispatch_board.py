"""dispatch_board: server time of the coordinators' dispatch board with 2,000 open orders
over 20 technicians, against a bare query of the same rows.

Data: 2,000 accounts (``bench.dataset``), one open order each due today, spread over 20
field technicians (a tenth unassigned). Measured: ``GET /service-orders/`` through
Django's test client (session, permissions, the counts per technician and route for all
2,000 orders, and the first page of the opened group's rows: a coordinator reads counts and
opens one technician or route, the board does not draw 2,000 rows at once), ``RUNS`` times
after a warm-up; the page's query count is also checked (fixed: it must
not grow with the orders). Baseline: the bare SQL of the same rows and columns (the
orders joined to accounts, premises, routes and users). Unit ms; target ratio <= 3.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Result, counted_queries, log, percentile, recreate_database, setup_django

DATABASE = "billing_bench_dispatch"
ORDERS = 2000
TECHNICIANS = 20
RUNS = 30
MAX_QUERIES = 8
BARE = """
SELECT o.id, o.number, o.kind, o.status, o.priority, o.origin, o.due_on, o.requested_on,
       o.route_sequence, a.number, p.line1, p.line2, r.code, u.username, u.first_name
FROM service_orders_serviceorder o
JOIN accounts_account a ON a.id = o.account_id
JOIN accounts_premise p ON p.id = o.premise_id
LEFT JOIN billing_route r ON r.id = o.route_id
LEFT JOIN auth_user u ON u.id = o.technician_id
WHERE o.status IN ('open', 'assigned', 'in_progress') AND o.due_on <= %s
ORDER BY u.username, r.code, o.route_sequence, o.priority, o.number
"""


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    coordinator = prepare()
    board, bare, queries = measure(coordinator)
    log(f"dispatch_board: {queries} queries per page; p50 {percentile(board, 0.5):.1f} ms")
    if queries > MAX_QUERIES:
        raise SystemExit(f"dispatch_board: {queries} queries, more than {MAX_QUERIES}")
    return Result("dispatch_board", percentile(board, 0.95), "ms", percentile(bare, 0.95), 3)


def prepare() -> Any:
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Account
    from bench.dataset import build_accounts
    from billing_site.common import roles
    from billing_site.common.numbering import next_numbers
    from service_orders.models import ServiceOrder

    coordinator = User.objects.create_user("bench-coordinator", password="x")
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATOR))
    techs = []
    for n in range(TECHNICIANS):
        tech = User.objects.create_user(f"tech{n:02d}", first_name=f"Tech {n}", password="x")
        tech.groups.add(Group.objects.get(name=roles.FIELD_TECHNICIAN))
        techs.append(tech)
    ids = build_accounts(count=ORDERS, seed=15, all_active=True)
    today = timezone.localdate()
    with transaction.atomic():
        numbers = iter(next_numbers("service_order", ORDERS, start=1001))
        premises = dict(Account.objects.filter(pk__in=ids).values_list("pk", "premise_id"))
        ServiceOrder.objects.bulk_create(
            ServiceOrder(
                number=next(numbers),
                kind="investigate",
                account_id=pk,
                premise_id=premises[pk],
                requested_on=today,
                due_on=today,
                created_by=coordinator,
                technician=techs[i % TECHNICIANS] if i % 10 else None,
                status="assigned" if i % 10 else "open",
                route_sequence=i,
            )
            for i, pk in enumerate(ids)
        )
    log(f"dispatch_board: {ORDERS:,} open orders over {TECHNICIANS} technicians")
    return coordinator


def measure(coordinator: Any) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    client = Client()
    client.force_login(coordinator)
    client.get("/service-orders/")  # warm-up: the session's role cache, templates
    with counted_queries() as seen:
        page = client.get("/service-orders/")
    from service_orders.selectors import BOARD_PAGE

    assert page.status_code == 200 and f"{ORDERS} orders due".encode() in page.content
    assert page.content.count(b'id="pick-') == min(BOARD_PAGE, ORDERS // 10)
    board, bare = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get("/service-orders/")
        board.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BARE, [timezone.localdate()])
            cursor.fetchall()
        bare.append((time.perf_counter() - started) * 1000)
    return board, bare, len(seen)


if __name__ == "__main__":
    print(main().line(), flush=True)
