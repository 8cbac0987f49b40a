"""Late fees: hand-computed cases at and around every boundary (grace over a weekend and a
holiday, calendar and business days, minimum past due, percentage against flat, whichever
is greater), exemptions, a rerun posting nothing, a payment before posting, waivers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services as account_services
from accounts.choices import FlagKind
from billing_site.common.tasks import run_long_task
from collections_app.calendar import days_after
from collections_app.choices import LineStatus
from collections_app.models import LateFeeLine, LateFeeRule, LateFeeRun
from collections_app.services import late_fees
from ledger.models import Holiday
from tests.factories import make_account, make_customer, service

from .helpers import bill, pay

pytestmark = pytest.mark.django_db

DUE = date(2026, 11, 6)  # a Friday; the open business day is Mon Nov 23


@pytest.fixture
def thanksgiving(db):
    return Holiday.objects.create(date=date(2026, 11, 26), name="Thanksgiving")


def run_of(due: date, on: date) -> LateFeeRun:
    return LateFeeRun(due_date=due, run_date=on)


def rule(**kw) -> LateFeeRule:
    values = {"service": service("WATER"), "fee_service": service("PEN"), "grace_days": 10,
              "grace_kind": "calendar", "percent": D("1.5"), "minimum": D("5.00"),
              "minimum_past_due": D("10.00")}  # fmt: skip
    values.update(kw)
    return LateFeeRule(**values)


def test_it_moves_calendar_grace_off_a_weekend_and_a_holiday(thanksgiving):
    assert days_after(date(2026, 11, 20), 10, "calendar") == date(2026, 11, 30)  # Mon
    assert days_after(date(2026, 11, 21), 10, "calendar") == date(2026, 12, 1)  # Tue
    assert days_after(date(2026, 11, 4), 10, "calendar") == date(2026, 11, 16)  # Sat -> Mon
    assert days_after(date(2026, 11, 16), 10, "calendar") == date(2026, 11, 27)  # holiday
    assert days_after(date(2026, 11, 20), 3, "business") == date(2026, 11, 25)
    assert days_after(date(2026, 11, 20), 4, "business") == date(2026, 11, 27)  # skips Thu


def test_it_charges_only_after_the_last_day_of_grace(thanksgiving):
    r = rule()
    due = date(2026, 11, 16)  # + 10 calendar days = Thanksgiving -> last day Fri Nov 27
    assert late_fees.assess(r, D("100.00"), run_of(due, date(2026, 11, 27)))[0] == 0
    assert late_fees.assess(r, D("100.00"), run_of(due, date(2026, 11, 30)))[0] == D("5.00")
    business = rule(grace_days=4, grace_kind="business")  # Nov 20 + 4 business = Nov 27
    assert (
        late_fees.assess(business, D("100"), run_of(date(2026, 11, 20), date(2026, 11, 27)))[1]
        == "In grace until Nov 27, 2026"
    )
    assert late_fees.assess(business, D("100"), run_of(date(2026, 11, 20), date(2026, 11, 30)))[
        0
    ] == D("5.00")


@pytest.mark.parametrize(
    ("past_due", "fee"),
    [
        ("9.99", "0"),  # under the minimum past due: nothing, not even the minimum
        ("10.00", "5.00"),  # at it: 1.5% = 0.15, raised to the $5.00 minimum
        ("333.33", "5.00"),  # 1.5% = 4.99995 -> 5.00
        ("400.00", "6.00"),  # 1.5% = 6.00 beats the minimum
        ("1000.01", "15.00"),  # 15.00015 -> 15.00 (half-up at the cent)
    ],
)
def test_it_computes_percent_with_a_minimum(past_due, fee):
    got, _why = late_fees.assess(rule(), D(past_due), run_of(DUE, date(2026, 11, 23)))
    assert got == D(fee)


@pytest.mark.parametrize(
    ("past_due", "fee"), [("40.00", "5.00"), ("50.00", "5.00"), ("50.01", "5.00"),
                          ("60.00", "6.00"), ("300.00", "25.00")],
)  # fmt: skip
def test_it_takes_flat_or_percent_whichever_is_greater_up_to_a_maximum(past_due, fee):
    r = rule(flat=D("5.00"), percent=D("10"), minimum=None, maximum=D("25.00"),
             minimum_past_due=None)  # fmt: skip
    assert late_fees.assess(r, D(past_due), run_of(DUE, date(2026, 11, 23)))[0] == D(fee)


def calculated(by, due=DUE) -> LateFeeRun:
    run = late_fees.late_fee_run_start(due_date=due, acting_user=by)
    run_long_task(task=late_fees.run_task(run))  # as a worker would (on commit)
    run.refresh_from_db()
    assert run.status == "review"
    return run


def posted(by, run) -> LateFeeRun:
    task = late_fees.late_fee_run_post(run=run, acting_user=by)
    task.refresh_from_db()
    if task.status != "done":
        run_long_task(task=task)
    run.refresh_from_db()
    return run


def test_it_proofs_posts_and_a_rerun_posts_nothing(business_day, bob, carol):
    late = make_account(bob)
    small = make_account(bob)
    paid = make_account(bob)
    flagged = make_account(bob)
    city = make_account(bob, customer=make_customer(bob, is_city=True))
    for account, water in [(late, "400.00"), (small, "9.99"), (paid, "80.00"), (flagged, "50.00"),
                           (city, "75.00")]:  # fmt: skip
        bill(bob, account, bill_date=date(2026, 10, 16), due_date=DUE, WATER=water, SEWER="20.00")
    pay(bob, paid, "100.00")
    account_services.flag_set(account=flagged, kind=FlagKind.NO_LATE_FEE, reason="Hardship",
                              acting_user=bob)  # fmt: skip
    run = calculated(bob)
    lines = {(ln.account_id, ln.service.code): ln for ln in run.lines.select_related("service")}
    assert lines[(late.pk, "WATER")].fee == D("6.00")
    assert lines[(late.pk, "SEWER")].fee == D("5.00")
    assert lines[(small.pk, "WATER")].reason == "Past due under $10.00"
    assert (paid.pk, "WATER") not in lines
    assert lines[(flagged.pk, "WATER")].reason == "No-late-fee flag: Hardship"
    assert lines[(city.pk, "SEWER")].reason == "Account of the city itself"
    assert lines[(small.pk, "SEWER")].fee == D("5.00")

    pay(bob, small, "29.99")  # pays it all before posting: the fee is dropped
    run = posted(carol, run)
    assert run.status == "posted"
    late.refresh_from_db()
    assert late.balance.amount == D("431.00")
    assert LateFeeLine.objects.get(account=small, service__code="SEWER").status == "dropped"

    again = posted(carol, calculated(bob))
    assert not again.lines.filter(status=LineStatus.POSTED).exists()
    assert again.lines.filter(reason="Already charged for this date").count() == 2
    late.refresh_from_db()
    assert late.balance.amount == D("431.00")


def test_two_runs_proofed_before_either_posts_charge_once(business_day, bob, carol):
    """Both proof lists propose the fee; the second to post finds it charged since and
    drops its lines (found in Chromium: it failed on the once-per-due-date constraint and
    stayed "Posting"). A flag set since the proof list drops the fee too."""
    late, flagged = make_account(bob), make_account(bob)
    for account in (late, flagged):
        bill(bob, account, bill_date=date(2026, 10, 16), due_date=DUE, WATER="400.00")
    first, second = calculated(bob), calculated(bob)
    assert second.lines.filter(status=LineStatus.PROPOSED).count() == 2
    account_services.flag_set(account=flagged, kind=FlagKind.NO_LATE_FEE, reason="Hardship",
                              acting_user=bob)  # fmt: skip
    assert posted(carol, first).status == "posted"
    assert posted(carol, second).status == "posted"
    assert second.lines.get(account=late).reason == "Already charged for this date"
    assert second.lines.get(account=late).status == LineStatus.DROPPED
    assert first.lines.get(account=flagged).status == LineStatus.DROPPED
    assert first.lines.get(account=flagged).reason == "No-late-fee flag: Hardship"
    assert LateFeeLine.objects.filter(status=LineStatus.POSTED).count() == 1
    late.refresh_from_db()
    assert late.balance.amount == D("406.00")


def test_it_refuses_a_clerk_the_run_and_the_waiver(business_day, alice, bob, carol):
    account = make_account(bob)
    bill(bob, account, bill_date=date(2026, 10, 16), due_date=DUE, WATER="400.00")
    with pytest.raises(PermissionDenied):
        late_fees.late_fee_run_start(due_date=DUE, acting_user=alice)
    run = posted(carol, calculated(bob))
    line = run.lines.get(status="posted")
    with pytest.raises(PermissionDenied):
        late_fees.late_fee_waive(line=line, amount=D("1.00"), reason="x", acting_user=alice)


def test_it_waives_up_to_the_limit_at_once_and_above_it_asks_a_second_person(
    business_day, bob, carol, settings
):
    settings.COLLECTIONS_WAIVER_LIMIT = "5.00"
    account = make_account(bob)
    bill(bob, account, bill_date=date(2026, 10, 16), due_date=DUE, WATER="1000.00")
    run = posted(carol, calculated(bob))
    line = run.lines.get(status="posted")
    assert line.fee == D("15.00")
    waiver = late_fees.late_fee_waive(line=line, amount=D("5.00"), reason="First time",
                                      acting_user=bob)  # fmt: skip
    assert waiver.status == "posted"
    account.refresh_from_db()
    assert account.balance.amount == D("1010.00")
    big = late_fees.late_fee_waive(line=line, amount=D("10.00"), reason="Hardship", acting_user=bob)
    assert big.status == "pending"
    assert big.adjustment_request.status == "pending"
    from adjustments import services as adjustments

    with pytest.raises(ValidationError):  # nobody approves their own request
        adjustments.request_approve(adjustment_request=big.adjustment_request, acting_user=bob)
    adjustments.request_approve(adjustment_request=big.adjustment_request, acting_user=carol)
    account.refresh_from_db()
    assert account.balance.amount == D("1000.00")
    with pytest.raises(ValidationError):
        late_fees.late_fee_waive(line=line, amount=D("0.01"), reason="more", acting_user=bob)


def test_it_shows_the_counter_the_late_fee_and_its_waiver(
    business_day, alice, bob, carol, client, settings
):
    from django.urls import reverse

    settings.COLLECTIONS_WAIVER_LIMIT = "10.00"
    account = make_account(bob)
    bill(bob, account, bill_date=date(2026, 10, 16), due_date=DUE, WATER="1000.00", SEWER="20")
    client.force_login(alice)

    def counter_sees() -> str:
        page = client.get(reverse("payments:lookup"), {"row": 0, "account_0": account.number})
        assert page.status_code == 200
        return page.content.decode()

    assert "Late fee" not in counter_sees()
    run = posted(carol, calculated(bob))
    assert "Late fee $20.00 charged on Nov 23, 2026" in counter_sees()  # 15.00 + 5.00
    water, sewer = run.lines.filter(status="posted").order_by("service__payment_order")
    late_fees.late_fee_waive(line=sewer, amount=D("5.00"), reason="Sewer", acting_user=bob)
    assert "Late fee $20.00 charged on Nov 23, 2026 ($5.00 waived)" in counter_sees()
    late_fees.late_fee_waive(line=water, amount=D("15.00"), reason="Hardship", acting_user=bob)
    assert "(waiver of $15.00 waiting for approval)" in counter_sees()  # over the limit
    from adjustments import services as adjustments

    pending = water.waivers.get(status="pending")
    adjustments.request_approve(adjustment_request=pending.adjustment_request, acting_user=carol)
    assert "Late fee $20.00 charged on Nov 23, 2026 (waived)" in counter_sees()
