"""The operations dashboard: a worked example of the day's payments by hour and tender,
drawers open, queues with their oldest item, stuck and running long tasks; who may see
it; a fixed number of queries however much data there is; the htmx refresh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.test import Client
from django.utils import timezone

from billing_site.common.models import LongTask, LongTaskStatus
from billing_site.common.tasks import start_long_task
from front import dashboard
from payments.models import Payment
from tests.factories import make_account, make_user
from tests.payments.helpers import card, cash, charge, check, open_drawer, pay

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _at(payment: Payment, hour: int, minute: int) -> None:
    """Say when the receipt was taken (the column defaults to the database's now)."""
    local = timezone.make_aware(dt.datetime(2026, 11, 23, hour, minute))
    Payment.objects.filter(pk=payment.pk).update(taken_at=local)


def _worked_day(alice, bob, carol):
    """Alice takes three receipts, Bob one (then a supervisor's void of another)."""
    first, second = make_account(bob), make_account(bob)
    charge(first, bob, water="200.00")
    charge(second, bob, water="200.00")
    drawer = open_drawer(alice)
    # 9:15 cash 20 tendered for 15 owed: 5.00 change, cash counts 15.00
    p1 = pay(alice, drawer, first, "15.00", cash("20.00"))
    p2 = pay(alice, drawer, first, "40.00", check("40.00"))  # 9:40 check
    p3 = pay(alice, drawer, second, "25.50", card("25.50"))  # 14:05 card
    bobs = open_drawer(bob)
    p4 = pay(bob, bobs, second, "10.00", cash("10.00"))  # 14:30 cash
    for p, (h, m) in zip((p1, p2, p3, p4), ((9, 15), (9, 40), (14, 5), (14, 30)), strict=True):
        _at(p, h, m)
    return drawer, bobs


def test_it_shows_the_days_payments_by_hour_and_tender(business_day, alice, bob, carol):
    _worked_day(alice, bob, carol)
    page = _client(carol).get("/dashboard/")
    assert page.status_code == 200
    payments = next(p for p in page.context["panels"] if p.panel.key == "payments").data
    # hand-computed: cash 15.00 + 10.00, check 40.00, card 25.50
    assert payments["total"] == D("90.50") == payments["counter_total"]
    rows = {row.label: row for row in payments["hour_chart"].table_rows}
    assert rows["9:00"].cells == ["$15.00", "$40.00", "", ""]  # cash, check, money order, card
    assert rows["9:00"].total == "$55.00"
    assert rows["14:00"].cells == ["$10.00", "", "", "$25.50"]
    assert rows["10:00"].total == "$0.00"
    tenders = {row.label: row.total for row in payments["tender_chart"].table_rows}
    assert tenders == {
        "Cash": "$25.00", "Check": "$40.00", "Money order": "$0.00", "Card": "$25.50",
        "Mail payments": "$0.00", "Lockbox file": "$0.00",
    }  # fmt: skip
    html = page.content.decode()
    assert 'id="ops-total">$90.50<' in html
    assert '<svg class="chart-svg"' in html and 'role="img"' in html
    assert "<title>Cash, 9:00: $15.00</title>" in html
    assert "<title>Card, 14:00: $25.50</title>" in html


def test_it_leaves_voided_receipts_out(business_day, alice, bob, carol):
    from payments import services

    account = make_account(bob)
    charge(account, bob, water="100.00")
    drawer = open_drawer(alice)
    kept = pay(alice, drawer, account, "30.00")
    voided = pay(alice, drawer, account, "20.00")
    services.payment_void(payment=voided, reason="Keyed twice", acting_user=carol)
    data = dashboard.payments_today(None, business_day.date)  # type: ignore[arg-type]
    assert data["total"] == kept.total.amount == D("30.00")


def test_it_lists_the_open_drawers_with_their_clerks(business_day, alice, bob, carol):
    _worked_day(alice, bob, carol)
    page = _client(bob).get("/dashboard/")
    drawers = next(p for p in page.context["panels"] if p.panel.key == "drawers").data["drawers"]
    assert [(d.clerk.username, e.receipts, e.cash) for d, e in drawers] == [
        ("alice", 3, D("115.00")),  # 100.00 float + 20.00 cash - 5.00 change
        ("bob", 1, D("110.00")),
    ]
    assert 'id="ops-drawers"' in page.content.decode()


def test_it_counts_the_queues_with_their_oldest_item(business_day, alice, bob, carol):
    from adjustments import services as adjustment_services
    from payments import services

    account = make_account(bob)
    charge(account, bob, water="100.00")
    drawer = open_drawer(alice)
    receipt = pay(alice, drawer, account, "30.00")
    services.payment_void_request(payment=receipt, reason="Wrong account", acting_user=alice)
    rows = {q.label: q for q in dashboard.pending_queues(None, business_day.date)["queues"]}  # type: ignore[arg-type]
    voids = rows["Voids waiting for a supervisor"]
    assert voids.count == 1 and voids.oldest is not None and voids.url == "/payments/voids/"
    assert rows["Adjustments waiting for approval"].count == 0
    assert rows["Payment plans waiting for an override"].url == "/collections/plans/?show=pending"
    assert adjustment_services  # the adjustment queue is counted by its own selector


def _task(user, *, status, total=100, done=0, heartbeat_minutes=None, lease_minutes=None):
    task = start_long_task(
        kind="billing.read_import", subject=user, total=total, chunk_size=10,
        view_permission="billing.view_readimport", acting_user=user, label="Route 7 reads",
    )  # fmt: skip
    now = timezone.now()
    LongTask.objects.filter(pk=task.pk).update(
        status=status, done=done, started_at=now - dt.timedelta(minutes=30),
        heartbeat_at=None if heartbeat_minutes is None
        else now - dt.timedelta(minutes=heartbeat_minutes),
        lease_expires_at=None if lease_minutes is None
        else now + dt.timedelta(minutes=lease_minutes),
    )  # fmt: skip
    return task


def test_it_shows_long_tasks_running_and_stuck(business_day, bob, carol):
    running = _task(bob, status=LongTaskStatus.RUNNING, done=40, heartbeat_minutes=1,
                    lease_minutes=2)  # fmt: skip
    hung = _task(
        bob, status=LongTaskStatus.RUNNING, done=10, heartbeat_minutes=25, lease_minutes=2
    )  # fmt: skip  live lease, but no heartbeat for 25 minutes
    dead = _task(
        bob, status=LongTaskStatus.RUNNING, done=70, heartbeat_minutes=3, lease_minutes=-1
    )  # fmt: skip  its worker died: the lease ran out
    _task(bob, status=LongTaskStatus.DONE, done=100, heartbeat_minutes=1)
    page = _client(carol).get("/dashboard/")
    work = next(p for p in page.context["panels"] if p.panel.key == "work").data
    imports = work["groups"][0][1]
    shown = {r.watched.task.pk: r.watched for r in imports}
    assert set(shown) == {running.pk, hung.pk, dead.pk}  # the finished task is not shown
    assert not shown[running.pk].stuck and shown[running.pk].percent == 40
    assert shown[hung.pk].stuck and shown[dead.pk].stuck
    assert [r.watched.task.pk for r in imports][:2] in ([hung.pk, dead.pk], [dead.pk, hung.pk])
    assert page.content.decode().count('<span class="stuck">Stuck</span>') == 2


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 403), ("bob", 200), ("carol", 200), ("dave", 403),
                        ("erin", 200), ("frank", 403)],
)  # fmt: skip
def test_it_lets_only_supervisors_coordinators_and_auditors_in(
    business_day, alice, bob, carol, dave, erin, frank, who, status
):
    user = {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin,
            "frank": frank}[who]  # fmt: skip
    assert _client(user).get("/dashboard/").status_code == status


def test_it_refuses_a_clerk_the_refresh_too(business_day, alice):
    page = _client(alice).get("/dashboard/", headers={"HX-Request": "true"})
    assert page.status_code == 403


def test_it_refreshes_the_panels_alone_every_30_seconds(business_day, alice, bob, carol):
    page = _client(carol).get("/dashboard/").content.decode()
    assert 'hx-get="/dashboard/" hx-trigger="every 30s"' in page
    assert "<script>" not in page.split("</head>")[1]  # CSP: nothing inline
    _worked_day(alice, bob, carol)
    partial = _client(carol).get("/dashboard/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="ops-total">$90.50<' in partial
    assert 'id="panel-queues"' in partial


def test_it_is_linked_from_home_and_the_navigation(business_day, alice, carol):
    home = _client(carol).get("/").content.decode()
    assert 'id="nav-dashboard"' in home and 'href="/collections/dashboard/"' in home
    assert 'id="nav-dashboard"' not in _client(alice).get("/").content.decode()


def _more_data(alice, bob, carol, n: int) -> None:
    from payments import services

    clerks = [make_user(f"clerk{k}", "Clerk") for k in range(3)]
    for clerk in clerks:
        drawer = open_drawer(clerk)
        for i in range(n):
            account = make_account(bob)
            charge(account, bob, water="50.00")
            receipt = pay(clerk, drawer, account, "5.00", cash("5.00") if i % 2 else card("5.00"))
            if i % 3 == 0:
                services.payment_void_request(payment=receipt, reason="Check", acting_user=clerk)
    for k in range(n):
        _task(bob, status=LongTaskStatus.RUNNING, done=k, heartbeat_minutes=k)
    assert k == n - 1


@pytest.mark.parametrize("n", [2, 12])
def test_it_renders_in_a_fixed_number_of_queries(
    business_day, alice, bob, carol, n, django_assert_num_queries
):
    _more_data(alice, bob, carol, n)
    client = _client(carol)
    client.get("/dashboard/")  # the session's role cache
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/dashboard/").status_code == 200
    with django_assert_num_queries(REFRESH_QUERIES):
        client.get("/dashboard/", headers={"HX-Request": "true"})


# session and user 2, business day 1, payments 3, drawers 3, queues 9, long tasks 2, work
# items by kind 1 and done this week 2 (counts, then the people), and the page's navigation
# badges (voids, refunds waiting, My work) 1, one statement since 2 December (3 before);
# the refresh has no navigation.
PAGE_QUERIES = 24
REFRESH_QUERIES = 23
