"""Taking payments: tenders, change, allocation by payment order, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import services as account_services
from accounts.choices import AccountStatus, FlagKind
from payments import services
from payments.choices import TenderKind
from payments.services import AccountPart, TenderIn
from tests.factories import make_account

from .helpers import balance, card, cash, charge, check, open_by_service, open_drawer, pay

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def drawer(alice, business_day):
    return open_drawer(alice)


def test_it_takes_cash_and_gives_change(alice, bob, account, drawer) -> None:
    charge(account, bob, water="40.00", sewer="25.00")
    payment = pay(alice, drawer, account, "65.00", cash("100.00"))
    assert payment.change_due.amount == D("35.00")
    assert payment.receipt_label == f"{drawer.pk}-00001"
    assert balance(account) == D("0.00")


def test_it_allocates_a_partial_payment_by_payment_order(alice, bob, account, drawer) -> None:
    charge(account, bob, water="40.00", sewer="25.00", pen="5.00")
    pay(alice, drawer, account, "30.00")
    assert open_by_service(account) == {"WATER": D("15.00"), "SEWER": D("25.00")}


def test_it_keeps_an_overpayment_as_credit(alice, bob, account, drawer) -> None:
    charge(account, bob, water="40.00")
    pay(alice, drawer, account, "50.00")
    assert balance(account) == D("-10.00")


def test_it_pays_several_accounts_with_one_set_of_tenders(alice, bob, account, drawer) -> None:
    other = make_account(bob)
    charge(account, bob, water="40.00")
    charge(other, bob, water="60.00")
    payment = services.payment_take(
        drawer=drawer,
        accounts=[
            AccountPart(account=account, amount=D("40.00"), field="account_0"),
            AccountPart(account=other, amount=D("60.00"), field="account_1"),
        ],
        tenders=[check("100.00", "555")],
        acting_user=alice,
    )
    assert balance(account) == balance(other) == D("0.00")
    assert payment.lines.count() == 2
    assert payment.transaction.entries.filter(gl_account__code="999-1010").count() == 2


def test_it_numbers_receipts_gap_free_per_drawer(alice, bob, account, drawer) -> None:
    first = pay(alice, drawer, account, "1.00")
    with pytest.raises(ValidationError):
        pay(alice, drawer, account, "5.00", cash("4.00"))  # refused: number given back
    second = pay(alice, drawer, account, "2.00")
    bobs = pay(bob, open_drawer(bob), account, "3.00")
    assert (first.receipt_number, second.receipt_number, bobs.receipt_number) == (1, 2, 1)


def _refusal(alice, drawer, account, *tenders, amount="50.00") -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        pay(alice, drawer, account, amount, *tenders)
    return caught.value.message_dict


def test_it_refuses_too_little_cash(alice, account, drawer) -> None:
    errors = _refusal(alice, drawer, account, cash("40.00"))
    assert "less than the 50.00 left to pay" in errors["cash_amount"][0]


def test_it_refuses_a_check_without_a_number(alice, account, drawer) -> None:
    errors = _refusal(alice, drawer, account, check("50.00", " "))
    assert errors["check_number"] == ["Enter the check number."]


def test_it_refuses_zero_negative_and_fractional_cents(alice, account, drawer) -> None:
    assert "more than zero" in _refusal(alice, drawer, account, cash("0"))["cash_amount"][0]
    assert "more than zero" in _refusal(alice, drawer, account, cash("-5"))["cash_amount"][0]
    errors = _refusal(alice, drawer, account, cash("50.001"))
    assert "two decimal places" in errors["cash_amount"][0]
    assert (
        "more than zero" in _refusal(alice, drawer, account, cash("5"), amount="0")["amount_0"][0]
    )


def test_it_refuses_a_card_number_anywhere(alice, account, drawer) -> None:
    tender = TenderIn(TenderKind.CARD, D("50.00"), "4111 1111 1111 1111", "visa", "1111")
    assert "card number" in _refusal(alice, drawer, account, tender)["card_auth"][0]
    assert (
        "last four"
        in _refusal(alice, drawer, account, card("50.00", last4="41111"))["card_last4"][0]
    )


def test_it_refuses_checks_and_cards_from_a_cash_only_account(alice, bob, account, drawer) -> None:
    account_services.flag_set(
        account=account, kind=FlagKind.CASH_ONLY, reason="Two returned checks", acting_user=bob
    )
    assert "cash only" in _refusal(alice, drawer, account, check("50.00"))["check_amount"][0]
    assert "cash only" in _refusal(alice, drawer, account, card("50.00"))["card_amount"][0]
    pay(alice, drawer, account, "50.00", TenderIn(TenderKind.MONEY_ORDER, D("50.00"), "MO77"))


def test_it_refuses_a_closed_account(alice, bob, drawer) -> None:
    closed = make_account(bob)
    for status in (AccountStatus.FINAL, AccountStatus.CLOSED):
        closed = account_services.account_change_status(
            account=closed, to=status, acting_user=bob, reason="Moved out"
        )
    with pytest.raises(ValidationError) as caught:
        pay(alice, drawer, closed, "10.00")
    assert "closed" in caught.value.message_dict["account_0"][0]


def test_it_refuses_a_check_larger_than_the_payment(alice, account, drawer) -> None:
    assert "cannot exceed" in _refusal(alice, drawer, account, check("60.00"))["check_amount"][0]


def test_it_refuses_the_auditor(erin, alice, account, drawer) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        pay(erin, drawer, account, "5.00")
