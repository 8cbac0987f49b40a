"""The posting services refuse what no one means, and whoever may not post."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import services as account_services
from accounts.choices import AccountStatus
from ledger import services
from ledger.models import BusinessDay, GLAccount, JournalTransaction
from ledger.posting import LedgerWriter, Line
from tests.factories import make_account, service

from .book import balance

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BAD_AMOUNTS = [
    (D("0"), "more than zero"),
    (D("0.00"), "more than zero"),
    (D("-0.00"), "more than zero"),
    (D("-5.00"), "more than zero"),
    (D("1.005"), "at most two decimal places"),
    (D("0.001"), "at most two decimal places"),
    (D("10000000000.00"), "larger than the ledger accepts"),
    (D("1E+30"), "larger than the ledger accepts"),
    (D("NaN"), "number of dollars and cents"),
    (D("sNaN"), "number of dollars and cents"),
    (D("Infinity"), "number of dollars and cents"),
    (D("-Infinity"), "number of dollars and cents"),
    (5, "number of dollars and cents"),
    (5.25, "number of dollars and cents"),
    ("5.25", "number of dollars and cents"),
]


def test_it_refuses_bad_payment_amounts(alice, account, business_day):
    for amount, message in BAD_AMOUNTS:
        with pytest.raises(services.PostingRefused, match=message):
            services.post_payment(account=account, amount=amount, memo="Cash", acting_user=alice)

    assert not JournalTransaction.objects.exists()


def test_it_refuses_bad_charge_amounts(alice, account, business_day):
    for amount, message in BAD_AMOUNTS:
        with pytest.raises(services.PostingRefused, match=message):
            services.post_charges(
                account=account,
                charges=[(service("WATER"), D("10.00")), (service("SEWER"), amount)],
                memo="Bill",
                acting_user=alice,
            )

    assert not JournalTransaction.objects.exists()
    assert balance(account) == D("0.00")


def test_it_accepts_the_largest_amount_a_person_may_type(alice, account, business_day):
    services.post_payment(account=account, amount=D("9999999999.99"), memo="Big", acting_user=alice)

    assert balance(account) == D("-9999999999.99")


def test_it_refuses_posting_without_an_open_business_day(alice, account):
    with pytest.raises(services.PostingRefused, match="No business day is open"):
        services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=alice)


def test_it_refuses_posting_after_the_day_is_closed(alice, account, business_day):
    BusinessDay.objects.filter(pk=business_day.pk).update(status="closed")

    with pytest.raises(services.PostingRefused, match="No business day is open"):
        services.post_charges(
            account=account, charges=[(service("WATER"), D("5.00"))], memo="x", acting_user=alice
        )


def test_it_refuses_posting_to_a_closed_account(alice, bob, business_day):
    account = make_account(bob, active=False)
    account_services.account_change_status(
        account=account, to=AccountStatus.CLOSED, acting_user=bob, reason="Opened in error"
    )

    with pytest.raises(services.PostingRefused, match="is closed"):
        services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=alice)
    with pytest.raises(services.PostingRefused, match="is closed"):
        services.post_charges(
            account=account, charges=[(service("WATER"), D("5.00"))], memo="x", acting_user=alice
        )


def test_it_refuses_a_posting_without_a_memo(alice, account, business_day):
    with pytest.raises(services.PostingRefused, match="needs a memo"):
        services.post_payment(account=account, amount=D("5.00"), memo="  ", acting_user=alice)


@pytest.mark.parametrize("persona", ["dave", "erin", "frank"])
def test_it_refuses_users_who_may_not_post(request, alice, account, business_day, persona):
    user = request.getfixturevalue(persona)
    payment = services.post_payment(account=account, amount=D("5.00"), memo="x", acting_user=alice)

    with pytest.raises(PermissionDenied):
        services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=user)
    with pytest.raises(PermissionDenied):
        services.post_charges(
            account=account, charges=[(service("WATER"), D("5.00"))], memo="x", acting_user=user
        )
    with pytest.raises(PermissionDenied):
        services.reverse_transaction(original=payment, memo="No", acting_user=user)
    with pytest.raises(PermissionDenied):
        services.business_day_open(on=dt.date(2026, 11, 24), acting_user=user)

    assert JournalTransaction.objects.count() == 1


def test_it_refuses_an_inactive_clerk(alice, account, business_day):
    alice.is_active = False
    alice.save()

    with pytest.raises(PermissionDenied):
        services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=alice)


def test_it_opens_one_business_day_at_a_time(carol):
    day = services.business_day_open(on=dt.date(2026, 11, 23), acting_user=carol)

    assert (day.status, day.opened_by) == ("open", carol)
    with pytest.raises(services.PostingRefused, match="already open"):
        services.business_day_open(on=dt.date(2026, 11, 24), acting_user=carol)

    BusinessDay.objects.filter(pk=day.pk).update(status="closed")
    with pytest.raises(services.PostingRefused, match="cannot reopen"):
        services.business_day_open(on=dt.date(2026, 11, 23), acting_user=carol)
    with pytest.raises(services.PostingRefused, match="later business day"):
        services.business_day_open(on=dt.date(2026, 11, 20), acting_user=carol)

    following = services.business_day_open(on=dt.date(2026, 11, 24), acting_user=carol)
    assert following.status == "open"


def writer_post(user: Any, account: Any, lines: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        writer = services.writer_for(user)
        writer.lock([account])
        writer.post(lines=lines(writer), memo=kwargs.pop("memo", "Test"), **kwargs)
        writer.flush()


def test_it_refuses_lines_that_break_the_rules(alice, account, business_day):
    cash = GLAccount.objects.get(role="cash")
    sewer_ar = GLAccount.objects.get(code="420-1210")

    def unbalanced(w: LedgerWriter) -> list[Line]:
        return [Line(cash, D("5.00")), w.receivable_line(account, D("-4.00"), None)]

    def wrong_receivable(w: LedgerWriter) -> list[Line]:
        return [Line(cash, D("5.00")), Line(sewer_ar, D("-5.00"), account, service("WATER"))]

    def cash_naming_account(w: LedgerWriter) -> list[Line]:
        return [Line(cash, D("5.00"), account), w.receivable_line(account, D("-5.00"), None)]

    def one_line(w: LedgerWriter) -> list[Line]:
        return [Line(cash, D("5.00"))]

    def huge(w: LedgerWriter) -> list[Line]:
        big = D("1E+40")
        return [Line(cash, big), w.receivable_line(account, -big, None)]

    cases = [
        (unbalanced, "sum to zero"),
        (wrong_receivable, "service's receivable GL"),
        (cash_naming_account, "only those, name an account"),
        (one_line, "at least two lines"),
        (huge, "larger than the ledger holds"),
    ]
    for lines, message in cases:
        with pytest.raises(services.PostingRefused, match=message):
            writer_post(alice, account, lines, kind="payment")
    with pytest.raises(services.PostingRefused, match="Unknown transaction kind"):
        writer_post(alice, account, unbalanced, kind="gift")
    assert not JournalTransaction.objects.exists()


def test_it_refuses_an_account_that_was_not_locked(alice, bob, account, business_day):
    other = make_account(bob)
    cash = GLAccount.objects.get(role="cash")

    with pytest.raises(services.PostingRefused, match="Lock the account"):
        writer_post(
            alice,
            account,
            lambda w: [Line(cash, D("5.00")), w.receivable_line(other, D("-5.00"), None)],
            kind="payment",
        )


def test_it_needs_a_database_transaction(alice, business_day):
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        LedgerWriter(acting_user=alice)


def test_it_refuses_an_unknown_service(alice, business_day):
    with transaction.atomic():
        writer = services.writer_for(alice)
        with pytest.raises(services.PostingRefused, match="Unknown service"):
            writer.service("GAS")
