"""Worked examples with balances computed by hand, line by line.

Payment order in the chart: PEN 1, RPF 2, WATER 3, SEWER 4, STORM 5, TRASH 6.
GL codes: cash 999-1010, unapplied credit 999-2100, water AR 410-1210 and sales
410-4110, sewer AR 420-1210 and charges 420-4110.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User

from accounts.models import Account
from ledger import services
from ledger.models import JournalTransaction
from tests.factories import service

from .book import CREDIT, balance, credit_applications_after, entries_total, gl_totals, lines
from .book import open_amounts as open_

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CASH, UNAPPLIED = "999-1010", "999-2100"
WATER_AR, WATER_REV, SEWER_AR, SEWER_REV = "410-1210", "410-4110", "420-1210", "420-4110"


def charge(account: Account, user: User, **amounts: str) -> JournalTransaction:
    return services.post_charges(
        account=account,
        charges=[(service(code), D(amount)) for code, amount in amounts.items()],
        memo="Monthly bill",
        acting_user=user,
    )


def pay(account: Account, user: User, amount: str) -> JournalTransaction:
    return services.post_payment(account=account, amount=D(amount), memo="Cash", acting_user=user)


def reverse(txn: JournalTransaction, user: User) -> JournalTransaction:
    return services.reverse_transaction(original=txn, memo="Posted in error", acting_user=user)


def assert_book(account: Account, owed: str, **open_amounts: str) -> None:
    assert balance(account) == D(owed)
    assert entries_total(account) == D(owed)
    assert open_(account) == {k: D(v) for k, v in open_amounts.items()}


def test_it_charges_two_services(alice, account, business_day):
    txn = charge(account, alice, WATER="40.00", SEWER="30.00")

    assert txn.kind == "charge"
    assert txn.business_date == business_day.date
    assert lines(txn) == [
        (WATER_AR, D("40.00"), "WATER"),
        (WATER_REV, D("-40.00"), None),
        (SEWER_AR, D("30.00"), "SEWER"),
        (SEWER_REV, D("-30.00"), None),
    ]
    assert_book(account, "70.00", WATER="40.00", SEWER="30.00")


def test_it_pays_water_before_sewer(alice, account, business_day):
    charge(account, alice, WATER="40.00", SEWER="30.00")

    payment = pay(account, alice, "50.00")

    # 50 pays water (order 3) in full, then 10 of sewer (order 4).
    assert lines(payment) == [
        (CASH, D("50.00"), None),
        (WATER_AR, D("-40.00"), "WATER"),
        (SEWER_AR, D("-10.00"), "SEWER"),
    ]
    assert_book(account, "20.00", SEWER="20.00")


def test_it_pays_penalty_first(alice, account, business_day):
    charge(account, alice, SEWER="30.00", WATER="20.00", PEN="5.00")

    payment = pay(account, alice, "10.00")

    assert lines(payment) == [
        (CASH, D("10.00"), None),
        ("410-1220", D("-5.00"), "PEN"),
        (WATER_AR, D("-5.00"), "WATER"),
    ]
    assert_book(account, "45.00", WATER="15.00", SEWER="30.00")


def test_it_keeps_overpayment_as_credit_that_the_next_charge_consumes(alice, account, business_day):
    charge(account, alice, WATER="40.00", SEWER="30.00")
    pay(account, alice, "50.00")

    overpayment = pay(account, alice, "30.00")

    assert lines(overpayment) == [
        (CASH, D("30.00"), None),
        (SEWER_AR, D("-20.00"), "SEWER"),
        (UNAPPLIED, D("-10.00"), None),
    ]
    assert_book(account, "-10.00", **{CREDIT: "-10.00"})

    december = charge(account, alice, WATER="25.00")

    assert lines(december) == [(WATER_AR, D("25.00"), "WATER"), (WATER_REV, D("-25.00"), None)]
    (applied,) = credit_applications_after(december)
    assert lines(applied) == [(WATER_AR, D("-10.00"), "WATER"), (UNAPPLIED, D("10.00"), None)]
    assert applied.created_by == alice
    assert_book(account, "15.00", WATER="15.00")
    assert gl_totals() == {
        CASH: D("80.00"),
        WATER_AR: D("15.00"),
        WATER_REV: D("-65.00"),
        SEWER_REV: D("-30.00"),
    }


def test_it_applies_a_payment_to_credit_when_nothing_is_owed(alice, account, business_day):
    payment = pay(account, alice, "12.34")

    assert lines(payment) == [(CASH, D("12.34"), None), (UNAPPLIED, D("-12.34"), None)]
    assert_book(account, "-12.34", **{CREDIT: "-12.34"})


def test_it_reverses_a_payment_once(alice, bob, account, business_day):
    charge(account, alice, WATER="40.00", SEWER="30.00")
    payment = pay(account, alice, "50.00")

    reversal = reverse(payment, bob)

    assert reversal.kind == "reversal"
    assert reversal.reversal_of == payment
    assert payment.reversed_by == reversal
    assert reversal.created_by == bob
    assert lines(reversal) == [
        (CASH, D("-50.00"), None),
        (WATER_AR, D("40.00"), "WATER"),
        (SEWER_AR, D("10.00"), "SEWER"),
    ]
    assert_book(account, "70.00", WATER="40.00", SEWER="30.00")

    with pytest.raises(services.PostingRefused, match="already been reversed"):
        reverse(payment, bob)
    with pytest.raises(services.PostingRefused, match="cannot be reversed"):
        reverse(reversal, bob)
    assert balance(account) == D("70.00")


def test_it_reverses_a_payment_whose_credit_was_consumed(alice, account, business_day):
    charge(account, alice, WATER="40.00", SEWER="30.00")
    pay(account, alice, "50.00")
    overpayment = pay(account, alice, "30.00")  # sewer 20, credit 10
    december = charge(account, alice, WATER="25.00")  # credit pays 10 of it
    (applied,) = credit_applications_after(december)
    with pytest.raises(services.PostingRefused, match="cannot be reversed"):
        reverse(applied, alice)

    reversal = reverse(overpayment, alice)

    # The reversal puts 20 back on sewer and takes back the 10 credit, which had
    # been spent on water: water owes it again, and no credit goes negative.
    assert lines(reversal) == [
        (CASH, D("-30.00"), None),
        (SEWER_AR, D("20.00"), "SEWER"),
        (UNAPPLIED, D("10.00"), None),
    ]
    (taken_back,) = credit_applications_after(reversal)
    assert lines(taken_back) == [(WATER_AR, D("10.00"), "WATER"), (UNAPPLIED, D("-10.00"), None)]
    # Charged 40 + 30 + 25 = 95; the 50 payment stands: owes 45 (water 65 - 40, sewer 30 - 10).
    assert_book(account, "45.00", WATER="25.00", SEWER="20.00")


def test_it_turns_a_reversed_paid_charge_into_credit(alice, account, business_day):
    bill = charge(account, alice, WATER="40.00")
    pay(account, alice, "40.00")

    reversal = reverse(bill, alice)

    assert lines(reversal) == [(WATER_AR, D("-40.00"), "WATER"), (WATER_REV, D("40.00"), None)]
    (moved,) = credit_applications_after(reversal)
    assert lines(moved) == [(WATER_AR, D("40.00"), "WATER"), (UNAPPLIED, D("-40.00"), None)]
    assert_book(account, "-40.00", **{CREDIT: "-40.00"})
    assert gl_totals() == {CASH: D("40.00"), UNAPPLIED: D("-40.00")}


def test_it_reverses_a_partly_paid_charge_on_two_services(alice, account, business_day):
    bill = charge(account, alice, WATER="40.00", SEWER="30.00")
    pay(account, alice, "50.00")  # water 40, sewer 10

    reverse(bill, alice)

    # Water goes to -40 and sewer to -10: both become credit, 50 in all.
    assert_book(account, "-50.00", **{CREDIT: "-50.00"})
    assert gl_totals() == {CASH: D("50.00"), UNAPPLIED: D("-50.00")}


def test_it_records_one_history_row_per_balance_change(alice, account, business_day):
    bill = charge(account, alice, WATER="25.00")
    payment = pay(account, alice, "40.00")  # leaves 15 credit
    later = charge(account, alice, SEWER="10.00")  # credit pays it: balance 5 credit

    rows = list(account.history.filter(history_change_reason__startswith="Transaction #"))

    assert [(r.history_change_reason, r.balance.amount, r.history_user) for r in rows] == [
        (f"Transaction #{later.pk} (charge): Monthly bill", D("-5.00"), alice),
        (f"Transaction #{payment.pk} (payment): Cash", D("-15.00"), alice),
        (f"Transaction #{bill.pk} (charge): Monthly bill", D("25.00"), alice),
    ]
