"""Budget billing through a true-up: enrolment needs eligibility; each bill posts the
actual charges and shows the level amount and the difference carried; the true-up
month settles it and computes the amount again; leaving settles it at once.

W-TEST: $12.50 a month plus $3.10 per 1,000 gallons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing.bills import runs
from billing.budget import budget_enrol, budget_leave, budget_refusals
from billing.models import Meter
from billing_site.common.tasks import run_long_task

from .bill_helpers import accounts, calculated, cycle, posted, read

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def budget_rules(settings):
    settings.BILLING_BUDGET_MIN_MONTHS = 0
    settings.BILLING_BUDGET_MIN_BILLS = 1
    settings.BILLING_BUDGET_PERCENT = D("10")


def run_month(by, start: date, end: date, bill_date: date):
    run = runs.bill_run_start(
        cycle=cycle(), period_start=start, period_end=end, bill_date=bill_date, acting_user=by
    )
    task = runs.bill_run_long_task(run, runs.CALCULATE_TASK)
    if task.status != "done":
        run_long_task(task=task)
    run.refresh_from_db()
    return posted(by, run).bills.get()


def test_it_bills_the_level_amount_and_settles_at_the_true_up(bob, business_day, budget_rules):
    (account,) = accounts(bob, 1)
    posted(bob, calculated(bob))  # October: 12 kgal = $49.70
    plan = budget_enrol(account=account, true_up_month=1, acting_user=bob)
    assert plan.amount.amount == D("54.67")  # 49.70 + 10% = 54.67
    meter = Meter.objects.get(installs__premise_id=account.premise_id)
    read(bob, meter, date(2026, 11, 30), "37000")  # 20 kgal
    november = run_month(bob, date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 3))
    assert november.new_charges.amount == D("74.50")  # actual charges posted: 12.50 + 62.00
    assert november.amount_due.amount == D("124.20")  # 49.70 unpaid + 74.50
    assert november.budget_carried.amount == D("19.83")  # 74.50 - 54.67
    assert november.budget_amount.amount == D("104.37")  # 49.70 unpaid + 54.67
    account.refresh_from_db()
    assert account.balance.amount == D("124.20")  # the ledger holds the actual charges
    read(bob, meter, date(2026, 12, 31), "42000")  # 5 kgal
    january = run_month(bob, date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 4))
    assert january.new_charges.amount == D("28.00")  # 12.50 + 15.50
    # the true-up (January): nothing carried, the whole balance asked
    assert january.budget_carried.amount == D("0.00")
    assert january.budget_amount.amount == D("152.20") == january.amount_due.amount
    plan.refresh_from_db()
    # next year's level: (49.70 + 74.50 + 28.00) / 3 = 50.7333 + 10% = 55.8067 -> 55.81
    assert plan.amount.amount == D("55.81")
    assert "True-up on bill" in plan.history.latest("history_id").history_change_reason


def test_it_settles_the_carried_difference_on_leaving(bob, business_day, budget_rules):
    (account,) = accounts(bob, 1)
    posted(bob, calculated(bob))
    plan = budget_enrol(account=account, true_up_month=9, acting_user=bob)
    meter = Meter.objects.get(installs__premise_id=account.premise_id)
    read(bob, meter, date(2026, 11, 30), "37000")
    run_month(bob, date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 3))
    with pytest.raises(ValidationError):
        budget_leave(plan=plan, reason=" ", acting_user=bob)
    left = budget_leave(plan=plan, reason="Customer asked", acting_user=bob)
    assert left.status == "ended" and left.settled.amount == D("19.83")
    read(bob, meter, date(2026, 12, 31), "42000")
    december = run_month(bob, date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 4))
    assert december.budget_amount is None  # off the plan: the bill asks the amount due
    assert december.amount_due.amount == D("152.20")


def test_it_refuses_an_ineligible_account_or_a_clerk(alice, bob, business_day, settings):
    settings.BILLING_BUDGET_MIN_MONTHS = 12
    (account,) = accounts(bob, 1)
    refusals = budget_refusals(account)
    assert "less than 12 months" in refusals[0] and "needs 3 bills" in refusals[1]
    with pytest.raises(ValidationError):
        budget_enrol(account=account, true_up_month=1, acting_user=bob)
    with pytest.raises(PermissionDenied):
        budget_enrol(account=account, true_up_month=1, acting_user=alice)


def test_it_refuses_a_delinquent_account(bob, business_day, budget_rules):
    (account,) = accounts(bob, 1)
    posted(bob, calculated(bob))
    later = date(2027, 2, 1)  # October's bill long past due and unpaid
    assert any("past due ($49.70" in r for r in budget_refusals(account, today=later))
