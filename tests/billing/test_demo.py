"""The billing part of the demo: rates from the shipped file, agreements, meters on
routes and a year of reads; safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from billing import demo
from billing.models import MeterRead, RateSchedule, RouteStop, ServiceAgreement
from billing.selectors import quote_agreement
from tests.factories import make_account


def test_it_gives_demo_accounts_service_meters_routes_and_a_year_of_reads(bob, frank):
    accounts = [make_account(bob) for _ in range(3)]
    assert demo.seed_billing(admin=frank, coordinator=bob) == 3
    assert RateSchedule.objects.count() == 4
    assert ServiceAgreement.objects.count() == 12
    assert RouteStop.objects.count() == 3
    assert MeterRead.objects.filter(meter__number=f"W{accounts[0].number}").count() >= 12
    water = ServiceAgreement.objects.get(account=accounts[0], service__code="WATER")
    read_dates = list(
        MeterRead.objects.filter(meter__number=f"W{accounts[0].number}")
        .order_by("-read_date")
        .values_list("read_date", flat=True)[:2]
    )
    # a bill runs from the day after one read to the next read
    bill = quote_agreement(
        agreement=water,
        start=read_dates[1] + timedelta(days=1),
        days=(read_dates[0] - read_dates[1]).days,
    )
    assert bill.total > 0
    assert demo.seed_billing(admin=frank, coordinator=bob) == 0  # the second run adds nothing
    assert ServiceAgreement.objects.count() == 12
