"""The aging task's buckets (``fifo.bucket_parts_sql``: kept open amounts, only the young
charges read) against the charge-by-charge walk (``fifo.account_charge_parts``), on
backdated and future-dated bills, a charge with no bill, overpayment, later postings and
one to seven bucket limits."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal as D

import pytest

from collections_app import fifo, selectors
from collections_app.models import AgingLine
from ledger import services as ledger
from tests.factories import make_account, service

from .helpers import bill, next_day, pay
from .test_aging import aged

pytestmark = pytest.mark.django_db


def walked(account_ids: list[int], as_of: date, limits: list[int]) -> dict[tuple, D]:
    parts: dict[tuple, D] = defaultdict(D)
    for account_id, part in fifo.account_charge_parts(account_ids, as_of=as_of):
        bucket = selectors._bucket_of(part.charge_date, as_of, limits)
        parts[(account_id, part.service_id, bucket)] += part.open_part
    return dict(parts)


def test_it_buckets_as_the_charge_by_charge_walk_does(business_day, bob, carol):
    backdated, future, unbilled, overpaid, later = (make_account(bob) for _ in range(5))
    # posted today, dated in July: older than every limit
    bill(bob, backdated, bill_date=date(2026, 7, 25), due_date=date(2026, 8, 14), WATER="30.00")
    bill(bob, backdated, bill_date=date(2026, 9, 24), due_date=date(2026, 10, 14), WATER="30.00",
         SEWER="12.00")  # fmt: skip
    bill(bob, backdated, bill_date=date(2026, 10, 30), due_date=date(2026, 11, 19), WATER="20.00")
    pay(bob, backdated, "25.00")
    # dated after the day it is aged as of: the youngest bucket
    bill(bob, future, bill_date=date(2026, 12, 1), due_date=date(2026, 12, 21), WATER="44.00")
    bill(bob, future, bill_date=date(2026, 5, 1), due_date=date(2026, 5, 21), SEWER="9.00")
    # a charge with no bill: aged from its business date
    ledger.post_charges(account=unbilled, charges=[(service("WATER"), D("15.00"))],
                        memo="Fee", acting_user=bob)  # fmt: skip
    bill(bob, unbilled, bill_date=date(2026, 8, 20), due_date=date(2026, 9, 9), WATER="35.00")
    bill(bob, overpaid, bill_date=date(2026, 10, 1), due_date=date(2026, 10, 21), WATER="10.00")
    pay(bob, overpaid, "25.00")
    bill(bob, later, bill_date=date(2026, 9, 1), due_date=date(2026, 9, 21), WATER="50.00")
    as_of = date(2026, 11, 23)
    next_day(carol)  # 2026-11-24: postings after the day aged
    pay(bob, later, "30.00")
    bill(bob, later, bill_date=date(2026, 11, 1), due_date=date(2026, 11, 21), WATER="5.00")
    ids = [a.pk for a in (backdated, future, unbilled, overpaid, later)]
    for limits in ([30, 60, 90, 120], [30], [10, 20, 30, 40, 50, 60, 70], [45, 200]):
        run = aged(bob, as_of, limits=limits)
        lines = AgingLine.objects.filter(run=run, service__isnull=False)
        got = {(a, s, b): amount for a, s, b, amount in
               lines.values_list("account_id", "service_id", "bucket", "amount")}  # fmt: skip
        assert got == walked(ids, as_of, limits), limits
        assert run.difference == 0 and run.aging_total == D("220.00") == sum(got.values())
        assert run.unapplied_total == D("-15.00") == run.unapplied_gl_total


def test_it_reads_a_young_bill_posted_long_before_its_bill_date(business_day, bob, carol):
    account = make_account(bob)
    # posted 2026-11-23, dated 2027-04-01: 143 days of posting, 14 of bill date as of Apr 15
    bill(bob, account, bill_date=date(2027, 4, 1), due_date=date(2027, 4, 21), WATER="60.00")
    bill(bob, account, bill_date=date(2026, 11, 1), due_date=date(2026, 11, 21), WATER="20.00")
    next_day(carol, to=date(2027, 4, 15))
    pay(bob, account, "30.00")
    as_of = date(2027, 4, 15)
    run = aged(bob, as_of)
    lines = AgingLine.objects.filter(run=run, service__isnull=False)
    assert sorted(lines.values_list("bucket", "amount")) == [(0, D("50.00"))]
    assert walked([account.pk], as_of, list(run.limits)) == {
        (account.pk, lines[0].service_id, 0): D("50.00")
    }
