"""First and final bills: a start mid-cycle bills a prorated first period; a final read
posts the final bill at once, prorated (also across a rate change), and the account
moves to final. Amounts are worked by hand in each test (W-TEST: $12.50 base a month,
$3.10 per 1,000 gallons)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from billing.bills.final import final_bill, stop_service
from billing.models import Bill, MeterRead, RateComponent, RateSchedule, RateVersion
from billing.services.agreements import route_stop_set, service_agreement_create
from tests.factories import make_account

from .bill_helpers import accounts, billed_account, calculated, cycle, posted, read
from .helpers import metered_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _october_billed(bob):
    (account,) = accounts(bob, 1)  # 12,000 gallons in October: $49.70
    posted(bob, calculated(bob))
    return account


def test_it_bills_a_prorated_first_period(bob, business_day):
    accounts(bob, 1)  # puts cycle C1 and W-TEST in place
    account = make_account(bob)
    meter = metered_account(bob, account, number="M-NEW", reading="9000", on=date(2026, 10, 17))
    service_agreement_create(
        account=account, rate_schedule=RateSchedule.objects.get(code="W-TEST"),
        start_date=date(2026, 10, 17), acting_user=bob,
    )  # fmt: skip
    route = cycle().routes.get()
    route_stop_set(account=account, route_id=route.pk, sequence=99, acting_user=bob)
    read(bob, meter, date(2026, 10, 31), "17000")
    bill = calculated(bob).bills.get(account=account)
    assert bill.first_bill and not bill.final_bill
    # 15 of October's 31 days: 12.50 x 15/31 = 6.048 -> 6.05; 8 kgal x 3.10 = 24.80
    amounts = [line.amount.amount for line in bill.lines.order_by("position")]
    assert amounts == [D("6.05"), D("24.80")]
    assert bill.new_charges.amount == D("30.85")
    assert "x 15/31 days" in bill.lines.get(code="base").arithmetic


def test_it_posts_a_final_bill_at_once_and_the_account_goes_final(bob, business_day):
    account = _october_billed(bob)
    meter = account_meter(account)
    bill = stop_service(
        account=account, on=date(2026, 11, 15), readings=[(meter, D("17600"))], acting_user=bob
    )
    assert bill.status == "posted" and bill.final_bill and bill.number is not None
    assert (bill.period_start, bill.period_end) == (date(2026, 11, 1), date(2026, 11, 15))
    # 15 of November's 30 days: 12.50 x 15/30 = 6.25; 600 gal -> 0.6 x 3.10 = 1.86
    assert bill.new_charges.amount == D("8.11")
    assert bill.amount_due.amount == D("57.81")  # 49.70 unpaid + 8.11
    assert bill.run.kind == "final" and bill.run.status == "posted"
    assert bill.due_date >= date(2026, 12, 14)  # business day + 21 days, moved to a business day
    account.refresh_from_db()
    assert account.status == "final" and account.balance.amount == D("57.81")
    assert account.service_agreements.get().end_date == date(2026, 11, 15)
    assert MeterRead.objects.get(meter=meter, read_date=date(2026, 11, 15)).kind == "final"
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 discrepancies" in out.getvalue()


def test_it_prorates_a_final_bill_across_a_rate_change(bob, business_day):
    account = _october_billed(bob)
    schedule = RateSchedule.objects.get(code="W-TEST")
    schedule.versions.update(effective_to=date(2026, 11, 9))
    newer = RateVersion.objects.create(schedule=schedule, effective_from=date(2026, 11, 10))
    RateComponent.objects.create(
        version=newer, position=1, code="base", label="Base charge", kind="fixed",
        fixed_basis="bill", amount=D("14.00"),
    )  # fmt: skip
    RateComponent.objects.create(
        version=newer, position=2, code="use", label="Water use", kind="volumetric",
        usage_basis="metered", unit_size=D(1000), unit_label="kgal", amount=D("3.50"),
    )  # fmt: skip
    meter = account_meter(account)
    bill = stop_service(
        account=account, on=date(2026, 11, 15), readings=[(meter, D("17600"))], acting_user=bob
    )
    amounts = [line.amount.amount for line in bill.lines.order_by("position")]
    # Nov 1-9 (9 days) and Nov 10-15 (6 days) of a 30-day month; 600 gallons over 15 days:
    # 12.50 x 9/30 = 3.75; 360 gal -> 0.36 x 3.10 = 1.116 -> 1.12;
    # 14.00 x 6/30 = 2.80; 240 gal -> 0.24 x 3.50 = 0.84
    assert amounts == [D("3.75"), D("1.12"), D("2.80"), D("0.84")]
    assert bill.new_charges.amount == D("8.51")


def test_it_leaves_a_final_billed_account_out_of_the_next_cycle_run(bob, business_day):
    account = _october_billed(bob)
    final_read = MeterRead.objects.create(
        meter=account_meter(account), premise_id=account.premise_id, read_date=date(2026, 11, 20),
        reading=D("21000"), kind="final", recorded_by=bob,
    )  # fmt: skip
    final_bill(account=account, final_read=final_read, acting_user=bob)
    from billing.bills import runs

    run = runs.bill_run_start(
        cycle=cycle(), period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
        bill_date=date(2026, 12, 3), acting_user=bob,
    )  # fmt: skip
    assert account.pk not in runs.run_account_ids(run)


def test_it_refuses_a_clerk_or_a_final_read_before_the_last_bill(alice, bob, business_day):
    account = _october_billed(bob)
    meter = account_meter(account)
    with pytest.raises(PermissionDenied):
        stop_service(
            account=account, on=date(2026, 11, 15), readings=[(meter, D("17600"))],
            acting_user=alice,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="billed through 2026-10-31"):
        final_bill(account=account, final_read=None, on=date(2026, 10, 20), acting_user=bob)
    assert Bill.objects.filter(final_bill=True).count() == 0


def account_meter(account):
    from billing.models import Meter

    return Meter.objects.get(installs__premise_id=account.premise_id)


__all__ = ["billed_account"]


def test_it_rebills_a_final_bill_still_prorated(bob, business_day):
    from billing.bills.corrections import bill_cancel_and_rebill

    account = _october_billed(bob)
    bill = stop_service(
        account=account, on=date(2026, 11, 15), readings=[(account_meter(account), D("17600"))],
        acting_user=bob,
    )  # fmt: skip
    rebill = bill_cancel_and_rebill(bill=bill, reason="rate", acting_user=bob)
    assert rebill.final_bill and rebill.period_end == date(2026, 11, 15)
    assert rebill.new_charges.amount == D("8.11")  # 6.25 + 1.86 again
    account.refresh_from_db()
    assert account.balance.amount == D("57.81") == rebill.amount_due.amount
