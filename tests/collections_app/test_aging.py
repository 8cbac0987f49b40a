"""The aging: a worked example with payments across buckets, FIFO by bill date, as of a
past date unchanged by later postings, the total equal to the receivable GL balance,
master accounts summed with their sub-accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing_site.common.tasks import run_long_task
from collections_app import selectors
from collections_app.services import aging as aging_services
from tests.factories import make_account

from .helpers import bill, next_day, pay

pytestmark = pytest.mark.django_db


def aged(by, as_of, **kw):
    run = aging_services.aging_run_start(as_of=as_of, acting_user=by, **kw)
    run.refresh_from_db()
    if run.status != "done":  # the immediate backend ran it already; a worker would
        from billing_site.common.tasks import long_task_for

        run_long_task(task=long_task_for(kind=aging_services.AGING_TASK, subject=run))
        run.refresh_from_db()
    return run


def test_it_ages_a_worked_example_with_payments_across_buckets(business_day, bob, carol):
    account = make_account(bob)
    bill(bob, account, bill_date=date(2026, 8, 1), due_date=date(2026, 8, 21), WATER="40.00")
    bill(bob, account, bill_date=date(2026, 9, 1), due_date=date(2026, 9, 21), WATER="45.00")
    bill(bob, account, bill_date=date(2026, 10, 1), due_date=date(2026, 10, 21), WATER="50.00",
         SEWER="20.00")  # fmt: skip
    pay(bob, account, "60.00")  # pays by payment order: water 60 of 135 (oldest first)
    run = aged(bob, date(2026, 11, 23))
    # water open 75: 50 of Oct 1 (53 days: 31-60) + 25 of Sep 1 (83 days: 61-90);
    # nothing left of Aug 1. Sewer open 20 of Oct 1: 31-60.
    rows = selectors.aging_table(run, by="service")
    water = next(r for r in rows if r.label == "Water")
    assert water.amounts == [D(0), D("50.00"), D("25.00"), D(0), D(0)]
    sewer = next(r for r in rows if r.label == "Sewer")
    assert sewer.amounts == [D(0), D("20.00"), D(0), D(0), D(0)]
    assert run.aging_total == D("95.00") == run.receivable_gl_total
    assert run.difference == 0


def test_it_counts_age_from_the_bill_date_first_in_first_out(business_day, bob):
    account = make_account(bob)
    # posted in the other order: the bill date counts, not when it was posted
    bill(bob, account, bill_date=date(2026, 9, 24), due_date=date(2026, 10, 14), WATER="30.00")
    bill(bob, account, bill_date=date(2026, 7, 25), due_date=date(2026, 8, 14), WATER="30.00")
    parts = selectors.explain_balance(account.pk, as_of=date(2026, 11, 23))
    # 121 days (over 120) and 60 days (31-60) old, oldest first
    assert [(p.bill.due_date, p.open_amount) for p in parts.items] == [
        (date(2026, 8, 14), D("30.00")),
        (date(2026, 10, 14), D("30.00")),
    ]
    buckets = selectors.account_aging(account.pk, as_of=date(2026, 11, 23))
    assert list(buckets.values()) == [D(0), D("30.00"), D(0), D(0), D("30.00")]
    pay(bob, account, "35.00")  # takes the July bill and 5.00 of September's
    parts = selectors.explain_balance(account.pk, as_of=date(2026, 11, 23))
    assert [(p.bill.due_date, p.open_amount) for p in parts.items] == [
        (date(2026, 10, 14), D("25.00"))
    ]
    assert parts.total == D("25.00")


def test_it_keeps_a_past_aging_unchanged_by_later_postings(business_day, bob, carol):
    account = make_account(bob)
    bill(bob, account, bill_date=date(2026, 10, 1), due_date=date(2026, 10, 21), WATER="50.00")
    pay(bob, account, "10.00")
    first = aged(bob, date(2026, 11, 23))
    next_day(carol)  # 2026-11-24
    pay(bob, account, "100.00")  # pays water, 60 unapplied
    bill(bob, account, bill_date=date(2026, 11, 24), due_date=date(2026, 12, 14), SEWER="5.00")
    again = aged(bob, date(2026, 11, 23))
    assert again.aging_total == first.aging_total == D("40.00")
    assert selectors.aging_table(again, by="service")[0].amounts == (
        selectors.aging_table(first, by="service")[0].amounts
    )
    today = aged(bob, date(2026, 11, 24))
    assert today.aging_total == D(0) == today.receivable_gl_total
    assert today.unapplied_total == D("-55.00") == today.unapplied_gl_total


def test_it_sums_master_accounts_with_their_sub_accounts(business_day, bob):
    master = make_account(bob, is_master=True)
    subs = [make_account(bob, master=master) for _ in range(2)]
    other = make_account(bob)
    for n, sub in enumerate(subs):
        bill(bob, sub, bill_date=date(2026, 10, 1), due_date=date(2026, 10, 21),
             WATER=f"{10 * (n + 1)}.00")  # fmt: skip
    bill(bob, other, bill_date=date(2026, 10, 1), due_date=date(2026, 10, 21), WATER="7.00")
    run = aged(bob, date(2026, 11, 23))
    cell = selectors.aging_cell(run, by="service", key=str(subs[0].entries.first().service_id),
                                bucket=1)  # fmt: skip
    assert [(row.account.pk, row.amount) for row in cell] == [
        (master.pk, D("30.00")),
        (other.pk, D("7.00")),
    ]
    assert cell[0].sub_accounts == 2
