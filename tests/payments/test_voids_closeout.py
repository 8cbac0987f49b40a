"""Voids and the end-of-day closeout, with segregation of duties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ledger import services as ledger
from ledger.models import BusinessDay
from payments import services
from payments.choices import PaymentStatus
from payments.models import Deposit, MiscRevenueItem
from payments.services import MiscPart
from tests.factories import make_user

from .helpers import balance, card, cash, charge, check, open_drawer, pay

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def drawer(alice, business_day):
    return open_drawer(alice)


def test_a_supervisor_voids_a_clerks_payment(alice, bob, carol, account, drawer) -> None:
    charge(account, bob, water="40.00")
    payment = pay(alice, drawer, account, "40.00")
    voided = services.payment_void(payment=payment, reason="Wrong account", acting_user=carol)
    assert voided.status == PaymentStatus.VOID
    assert voided.receipt_number == 1
    assert voided.void_transaction.reversal_of_id == payment.transaction_id
    assert balance(account) == D("40.00")


def test_a_clerk_cannot_void(alice, account, drawer) -> None:
    payment = pay(alice, drawer, account, "10.00")
    with pytest.raises(PermissionDenied):
        services.payment_void(payment=payment, reason="Oops", acting_user=alice)


def test_a_supervisor_cannot_void_their_own_payment(carol, account, business_day) -> None:
    payment = pay(carol, open_drawer(carol), account, "10.00")
    with pytest.raises(ValidationError, match="another supervisor"):
        services.payment_void(payment=payment, reason="Oops", acting_user=carol)


def test_a_void_needs_the_drawer_open(alice, carol, account, drawer) -> None:
    payment = pay(alice, drawer, account, "10.00")
    services.drawer_close(drawer=drawer, counts={"d20": 5, "d10": 1}, checks=[], acting_user=alice)
    with pytest.raises(ValidationError, match="drawer is closed"):
        services.payment_void(payment=payment, reason="Late", acting_user=carol)


def _close_day_with_receipts(alice, bob, account, drawer) -> None:
    charge(account, bob, water="200.00")
    pay(alice, drawer, account, "50.00", cash("60.00"))  # 10.00 change
    pay(alice, drawer, account, "70.00", check("70.00", "881"))
    pay(alice, drawer, account, "30.00", card("30.00"))
    permit = MiscRevenueItem.objects.get(name="Building permit")
    services.payment_take(
        drawer=drawer,
        misc=[MiscPart(item=permit, amount=D("25.00"))],
        tenders=[cash("25.00")],
        acting_user=alice,
    )
    services.drawer_close(
        drawer=drawer,
        counts={"d100": 1, "d50": 1, "d20": 1, "d1": 3},  # 173.00; expected 175.00
        checks=[("881", D("70.00"))],
        acting_user=alice,
    )


def test_the_closeout_makes_deposits_and_opens_the_next_day(
    alice, bob, carol, account, drawer
) -> None:
    _close_day_with_receipts(alice, bob, account, drawer)
    closeout = services.closeout_run(acting_user=carol)
    day = BusinessDay.objects.get(date=closeout.business_date)
    assert day.status == "closed"
    assert BusinessDay.objects.get(status="open").date == closeout.next_date
    slips = {
        d.label: (d.cash.amount, d.checks.amount, d.total.amount) for d in Deposit.objects.all()
    }
    assert slips == {
        # 60.00 cash - 10.00 change - the drawer's 2.00 shortage; the card is not deposited.
        "Utility receipts": (D("48.00"), D("70.00"), D("118.00")),
        "Miscellaneous revenue - General Fund": (D("25.00"), D("0.00"), D("25.00")),
    }
    counted = D("173.00") - D("100.00")  # what the drawer held, less its float
    assert sum((d.cash.amount for d in Deposit.objects.all()), D("0")) == counted


def test_nothing_posts_into_the_closed_day(alice, bob, carol, account, drawer) -> None:
    services.drawer_close(drawer=drawer, counts={"d20": 5}, checks=[], acting_user=alice)
    closeout = services.closeout_run(acting_user=carol)
    with pytest.raises(IntegrityError), transaction.atomic():
        from ledger.models import JournalTransaction

        JournalTransaction.objects.create(
            business_date=closeout.business_date, kind="payment", memo="late", created_by=bob
        )
    charge(account, bob, water="1.00")  # goes into the next day
    assert account.entries.latest("id").transaction.business_date == closeout.next_date


def test_the_closeout_is_refused_while_a_drawer_is_open(carol, drawer) -> None:
    with pytest.raises(ValidationError, match="Drawers still open"):
        services.closeout_run(acting_user=carol)


def test_a_clerk_cannot_run_the_closeout(alice, business_day) -> None:
    with pytest.raises(PermissionDenied):
        services.closeout_run(acting_user=alice)


def test_the_supervisor_who_counted_a_drawer_does_not_close_out_alone(
    carol, account, business_day
) -> None:
    mine = open_drawer(carol)
    services.drawer_close(drawer=mine, counts={"d20": 5}, checks=[], acting_user=carol)
    with pytest.raises(ValidationError, match="another supervisor"):
        services.closeout_run(acting_user=carol)
    other = make_user("sam", "Supervisor")
    assert services.closeout_run(acting_user=other).business_date == mine.business_date


def test_nobody_takes_payments_after_the_day_closed_in_an_old_drawer(
    alice, carol, account, business_day
) -> None:
    drawer = open_drawer(alice)
    services.drawer_close(drawer=drawer, counts={"d20": 5}, checks=[], acting_user=alice)
    services.closeout_run(acting_user=carol)
    with pytest.raises(ValidationError, match="closed"):
        pay(alice, drawer, account, "5.00")
    assert ledger  # the module is the only writer of money


def test_it_lists_a_deposit_slips_checks_without_a_query_per_check(
    alice, bob, carol, account, drawer
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payments import selectors

    charge(account, bob, water="200.00")
    for number in ("881", "882", "883", "884"):
        pay(alice, drawer, account, "10.00", check("10.00", number))
    checks = [(n, D("10.00")) for n in ("881", "882", "883", "884")]
    services.drawer_close(drawer=drawer, counts={"d20": 5}, checks=checks, acting_user=alice)
    services.closeout_run(acting_user=carol)
    deposit = Deposit.objects.select_related("closeout", "fund").get(label="Utility receipts")
    with CaptureQueriesContext(connection) as queries:
        listed = selectors.deposit_checks(deposit)
    assert [t.reference for t in listed] == ["881", "882", "883", "884"]
    assert len(queries) <= 3


def test_the_next_business_day_skips_weekends_and_holidays(alice, carol, drawer) -> None:
    from datetime import date

    from ledger.models import Holiday

    assert services.next_business_date(date(2026, 11, 27)) == date(2026, 11, 30)  # Fri -> Mon
    Holiday.objects.create(date=date(2026, 11, 26), name="Thanksgiving Day")
    Holiday.objects.create(date=date(2026, 11, 27), name="Friday after Thanksgiving")
    assert services.next_business_date(date(2026, 11, 25)) == date(2026, 11, 30)
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas Day")
    assert services.next_business_date(date(2026, 12, 24)) == date(2026, 12, 28)

    day = BusinessDay.objects.get(status="open")
    Holiday.objects.create(date=services.next_business_date(day.date), name="Founders' Day")
    expected = services.next_business_date(day.date)
    services.drawer_close(drawer=drawer, counts={"d20": 5}, checks=[], acting_user=alice)
    closeout = services.closeout_run(acting_user=carol)
    assert closeout.next_date == expected
    assert BusinessDay.objects.get(status="open").date == expected


def test_a_shortage_goes_with_the_cash_and_a_missing_check_with_the_checks(
    alice, bob, carol, account, drawer
) -> None:
    charge(account, bob, water="200.00")
    pay(alice, drawer, account, "70.00", check("70.00", "881"))
    pay(alice, drawer, account, "30.00", check("30.00", "882"))
    permit = MiscRevenueItem.objects.get(name="Building permit")
    services.payment_take(
        drawer=drawer,
        misc=[MiscPart(item=permit, amount=D("25.00"))],
        tenders=[cash("25.00")],
        acting_user=alice,
    )
    services.drawer_close(
        drawer=drawer,
        counts={"d100": 1, "d20": 1},  # 120.00 of 125.00 expected: 5.00 short
        checks=[("881", D("70.00"))],  # check 882 is missing
        acting_user=alice,
    )
    services.closeout_run(acting_user=carol)
    slips = {d.label: (d.cash.amount, d.checks.amount) for d in Deposit.objects.all()}
    assert slips == {
        "Utility receipts": (D("0.00"), D("70.00")),  # only the check in the bag
        "Miscellaneous revenue - General Fund": (D("20.00"), D("0.00")),  # 25.00 less 5.00
    }


def test_it_closes_out_to_a_later_day_given_and_refuses_one_not_later(carol, business_day) -> None:
    from datetime import timedelta

    with pytest.raises(ValidationError, match="must be after"):
        services.closeout_run(acting_user=carol, next_date=business_day.date)
    later = business_day.date + timedelta(days=9)
    closeout = services.closeout_run(acting_user=carol, next_date=later)
    assert closeout.next_date == later
    assert BusinessDay.objects.get(status="open").date == later
    assert not BusinessDay.objects.filter(
        date__gt=business_day.date, date__lt=later
    ).exists()  # the days between never opened
