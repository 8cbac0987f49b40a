"""The collections dashboard: receivables by bucket at each month-end equal the aging as of
those dates (worked by hand, and against aging runs); plans, deposits, write-offs; roles;
a fixed number of queries whatever the number of accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client

from billing_site.common.tasks import run_long_task
from collections_app import dashboard, selectors
from collections_app.models import MonthEndAging
from collections_app.services import month_end_aging
from ledger.models import BusinessDay
from tests.factories import make_account

from .helpers import bill, next_day, pay
from .test_aging import aged

pytestmark = pytest.mark.django_db

Z = D(0)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _four_months(bob, carol):
    """Bills on Aug 1, Sep 1, Oct 1 (water, then sewer too), payments Sep 2 and Nov 2."""
    BusinessDay.objects.create(date=date(2026, 8, 3))
    account = make_account(bob)
    bill(bob, account, bill_date=date(2026, 8, 1), due_date=date(2026, 8, 21), WATER="40.00")
    next_day(carol, date(2026, 9, 2))
    bill(bob, account, bill_date=date(2026, 9, 1), due_date=date(2026, 9, 21), WATER="45.00")
    pay(bob, account, "30.00")
    next_day(carol, date(2026, 10, 2))
    bill(bob, account, bill_date=date(2026, 10, 1), due_date=date(2026, 10, 21), WATER="50.00",
         SEWER="20.00")  # fmt: skip
    next_day(carol, date(2026, 11, 2))
    pay(bob, account, "60.00")
    next_day(carol, date(2026, 12, 1))
    return account


def test_it_ages_receivables_at_each_month_end_by_hand(bob, carol):
    _four_months(bob, carol)
    ends = dashboard.month_ends(date(2026, 12, 1))
    assert ends[0] == date(2025, 12, 31) and ends[-1] == date(2026, 11, 30) and len(ends) == 12
    grid = dashboard.buckets_at(ends, [30, 60, 90, 120])
    assert grid[date(2026, 7, 31)] == [Z] * 5
    # Aug 31: 40 of Aug 1, 30 days old: current
    assert grid[date(2026, 8, 31)] == [D("40.00"), Z, Z, Z, Z]
    # Sep 30: water 55 open: 45 of Sep 1 (29 days), 10 of Aug 1 (60 days)
    assert grid[date(2026, 9, 30)] == [D("45.00"), D("10.00"), Z, Z, Z]
    # Oct 31: water 105 (50 of Oct 1: 30 days, 45 of Sep 1: 60, 10 of Aug 1: 91), sewer 20
    assert grid[date(2026, 10, 31)] == [D("70.00"), D("45.00"), Z, D("10.00"), Z]
    assert sum(grid[date(2026, 11, 30)], Z) == D("65.00")  # 135 billed... less 90 paid


def test_it_equals_the_aging_report_as_of_each_month_end(bob, carol):
    _four_months(bob, carol)
    second = make_account(bob)
    bill(bob, second, bill_date=date(2026, 6, 1), due_date=date(2026, 6, 21), TRASH="18.00")
    ends = dashboard.month_ends(date(2026, 12, 1))
    grid = dashboard.buckets_at(ends, [30, 60, 90, 120])
    for as_of in (date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30)):
        run = aged(bob, as_of)
        rows = selectors.aging_table(run)
        assert grid[as_of] == selectors.aging_totals(rows, 5), as_of
        assert sum(grid[as_of], Z) == run.aging_total == run.receivable_gl_total


def test_it_shows_the_chart_and_links_each_month_end_to_the_aging(bob, carol):
    _four_months(bob, carol)
    before = _client(carol).get("/collections/dashboard/").content.decode()
    assert "not yet computed" in before and 'id="compute-month-ends"' in before
    assert not MonthEndAging.objects.exists()  # a GET stores nothing
    answer = _client(carol).post("/collections/dashboard/month-ends/")
    assert answer.status_code == 302
    task = month_end_aging.month_end_aging_task(carol)
    assert task is not None and task.total == 12
    run_long_task(task=task)  # what the worker does once the POST has committed
    assert MonthEndAging.objects.values("month_end").distinct().count() == 12
    page = _client(carol).get("/collections/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "not yet computed" not in html and 'id="compute-month-ends"' not in html
    assert 'id="chart-aging-months"' in html and 'role="img"' in html
    assert "<title>current (0-30), Aug 26: $40.00</title>" in html
    assert 'href="/collections/aging/?as_of=2026-10-31"' in html
    form = _client(carol).get("/collections/aging/?as_of=2026-10-31").content.decode()
    assert 'value="2026-10-31"' in form  # the aging form starts on that month-end


def test_it_stores_closed_month_ends_equal_to_the_aging_report(
    bob, carol, django_assert_num_queries
):
    _four_months(bob, carol)
    second = make_account(bob)
    bill(bob, second, bill_date=date(2026, 6, 1), due_date=date(2026, 6, 21), TRASH="18.00")
    ends = dashboard.month_ends(date(2026, 12, 1))
    call_command("compute_month_end_aging", "--user", "carol", stdout=StringIO())
    limits = [30, 60, 90, 120]
    stored = month_end_aging.stored_buckets(ends, limits)
    assert sorted(stored) == ends
    for as_of in (date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30)):
        run = aged(bob, as_of)
        assert stored[as_of] == selectors.aging_totals(selectors.aging_table(run), 5), as_of
    # a rerun computes nothing again; the page reads the kept rows
    assert (
        month_end_aging.month_end_aging_store(month_ends=ends, limits=limits, acting_user=carol)
        == []
    )
    client = _client(carol)
    client.get("/collections/dashboard/")
    with django_assert_num_queries(QUERIES - 1):  # no month-end task to look up
        page = client.get("/collections/dashboard/")
    rows = {d: amounts for d, amounts, _ in page.context["panels"][0].data["rows"]}
    assert rows == stored


def test_it_leaves_an_open_month_end_live_and_unstored(bob, carol):
    _four_months(bob, carol)  # the open day is Dec 1: Nov 30 is closed
    assert month_end_aging.closed_through() == date(2026, 11, 30)
    assert month_end_aging.missing_month_ends([date(2026, 12, 31)], [30]) == []


def test_it_refuses_the_compute_button_to_a_coordinator_and_a_get(business_day, bob, carol):
    assert _client(bob).post("/collections/dashboard/month-ends/").status_code == 403
    assert _client(carol).get("/collections/dashboard/month-ends/").status_code == 405
    assert not MonthEndAging.objects.exists()
    with pytest.raises(PermissionDenied):
        month_end_aging.month_end_aging_store(
            month_ends=[date(2025, 1, 31)], limits=[30], acting_user=bob
        )


def test_it_counts_plans_deposits_and_write_offs(business_day, bob, carol):
    from collections_app.models import PaymentPlan, WriteOff

    account = make_account(bob)
    other = make_account(bob)
    for acct, status, amount in ((account, "active", "300.00"), (other, "defaulted", "120.00")):
        PaymentPlan.objects.create(
            account=acct, status=status, amount=D(amount), down_payment=D(0), months=3,
            start_date=business_day.date, first_due=business_day.date, requested_by=bob,
        )  # fmt: skip
    WriteOff.objects.create(account=other, amount=D("80.00"), reason="Uncollectible",
                            status="posted", requested_by=carol, recovered=D("15.00"))  # fmt: skip
    WriteOff.objects.create(account=account, amount=D("500.00"), reason="Large",
                            status="pending", requested_by=carol)  # fmt: skip
    from ledger import services as ledger

    ledger.deposit_take(account=account, amount=D("150.00"), memo="Deposit", acting_user=bob)
    page = _client(carol).get("/collections/dashboard/")
    panels = {p.panel.key: p.data for p in page.context["panels"]}
    assert panels["plans"]["rows"][0][2:] == (1, D("300.00"))
    assert panels["plans"]["rows"][1][2:] == (1, D("120.00"))
    assert (panels["deposits"]["count"], panels["deposits"]["total"]) == (1, D("150.00"))
    offs = panels["write_offs"]
    assert (offs["posted"], offs["amount"], offs["recovered"], offs["waiting"]) == (
        1, D("80.00"), D("15.00"), 1,
    )  # fmt: skip
    html = page.content.decode()
    assert 'href="/collections/plans/?show=defaulted" id="plans-defaulted">1<' in html
    assert 'id="deposits-held">$150.00<' in html


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 403), ("bob", 200), ("carol", 200), ("dave", 403),
                        ("erin", 200), ("frank", 403)],
)  # fmt: skip
def test_it_lets_supervisors_coordinators_and_auditors_read_it(
    business_day, alice, bob, carol, dave, erin, frank, who, status
):
    user = {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin,
            "frank": frank}[who]  # fmt: skip
    assert _client(user).get("/collections/dashboard/").status_code == status


@pytest.mark.parametrize("n", [1, 8])
def test_it_renders_in_a_fixed_number_of_queries(
    business_day, bob, carol, n, django_assert_num_queries
):
    from collections_app.models import PaymentPlan

    for i in range(n):
        account = make_account(bob)
        bill(bob, account, bill_date=date(2026, 9, 1), due_date=date(2026, 9, 21), WATER="40.00")
        if i % 2:
            pay(bob, account, "10.00")
        PaymentPlan.objects.create(
            account=account, status="active", amount=D("40.00"), down_payment=D(0), months=2,
            start_date=business_day.date, first_due=business_day.date, requested_by=bob,
        )  # fmt: skip
    client = _client(carol)
    client.get("/collections/dashboard/")
    with django_assert_num_queries(QUERIES):
        assert client.get("/collections/dashboard/").status_code == 200


# session and user 2, business day 1, navigation badges 1 (voids, refunds and My work in one
# statement; 3 before 2 December), receivables 3 (the kept month-ends, the open day, the
# supervisor's month-end task while some are missing), fees and notices 2, plans 1,
# deposits 1, write-offs 1, referrals 2
QUERIES = 14


def _plans(bob, business_day, n: int) -> None:
    from collections_app.models import PaymentPlan, PlanInstallment

    for i in range(n):
        account = make_account(bob)
        plan = PaymentPlan.objects.create(
            account=account, status="active", amount=D("90.00"), down_payment=D(0), months=3,
            start_date=business_day.date, first_due=business_day.date, requested_by=bob,
        )  # fmt: skip
        PlanInstallment.objects.bulk_create(
            PlanInstallment(plan=plan, number=k + 1, due_date=date(2026, 12 - k, 1),
                            amount=D("30.00"))
            for k in range(3)
        )  # fmt: skip
        if i % 2:
            bill(bob, account, bill_date=date(2026, 11, 1), due_date=date(2026, 11, 21),
                 WATER="30.00")  # fmt: skip
            pay(bob, account, "30.00")


@pytest.mark.parametrize("n", [2, 60])
def test_it_lists_plans_in_a_fixed_number_of_queries(
    business_day, bob, n, django_assert_num_queries
):
    _plans(bob, business_day, n)
    client = _client(bob)
    client.get("/collections/plans/")
    with django_assert_num_queries(PLAN_LIST_QUERIES):
        page = client.get("/collections/plans/")
    assert page.content.decode().count('href="/collections/plans/') >= min(n, 50)


# session and user 2, the navigation's counts 1 (all the badges in one statement), count 1,
# the page of plans 1, their installments 1, what their accounts paid 1. Was 8: the open
# business day is read only by the list due this week (2 December, pagecost).
PLAN_LIST_QUERIES = 7


def test_it_prints_each_plan_row_with_its_paid_and_next_due(business_day, bob, erin):
    _plans(bob, business_day, 2)  # the second plan's account paid its first $30.00
    html = _client(erin).get("/collections/plans/").content.decode()
    from collections_app.models import PaymentPlan

    first, second = PaymentPlan.objects.order_by("pk").select_related("account__customer")
    row = html[html.index(f'<a href="/collections/plans/{second.pk}/">') :].split("</tr>")[0]
    assert f"<td>{second.account.number}</td>" in row
    assert f"<td>{second.account.customer.display_name}</td>" in row
    assert "<td>Active</td>" in row and '<td class="num">$90.00</td>' in row
    assert '<td class="num">$30.00</td><td>Nov 1, 2026</td><td class="num">$30.00</td>' in row
    row = html[html.index(f'<a href="/collections/plans/{first.pk}/">') :].split("</tr>")[0]
    assert '<td class="num">$0.00</td><td>Dec 1, 2026</td><td class="num">$30.00</td>' in row


def test_a_closeout_that_closes_a_month_end_keeps_its_aging(
    bob, carol, django_capture_on_commit_callbacks
):
    from payments.services import closeout_run

    _four_months(bob, carol)  # the open day is Dec 1 (days closed without a closeout)
    assert not MonthEndAging.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        closeout_run(acting_user=carol)  # Dec 1 -> Dec 2: no month-end closed
    assert month_end_aging.month_end_aging_task(carol) is None
    next_day(carol, date(2026, 12, 31))
    with django_capture_on_commit_callbacks(execute=True) as started:
        closeout_run(acting_user=carol, next_date=date(2027, 1, 4))  # closes Dec 31
    assert started  # the task is enqueued when the closeout commits, not run inside it
    task = month_end_aging.month_end_aging_task(carol)
    assert task is not None and task.status == "done" and task.total == 12
    ends = dashboard.month_ends(date(2027, 1, 4))
    assert ends[-1] == date(2026, 12, 31)
    limits = [30, 60, 90, 120]
    stored = month_end_aging.stored_buckets(ends, limits)
    assert sorted(stored) == ends
    assert stored == dashboard.buckets_at(ends, limits)
    run = aged(bob, date(2026, 10, 31))
    assert stored[date(2026, 10, 31)] == selectors.aging_totals(selectors.aging_table(run), 5)
