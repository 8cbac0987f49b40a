"""Amounts typed at the counter (issue 9 item 10): ASCII digits only, a large payment
is confirmed by the clerk, and nothing beyond what the ledger holds is accepted."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from billing_site.env import env_decimal
from payments.models import MiscRevenueItem, Payment
from tests.payments.helpers import balance, charge, open_drawer

D = Decimal
CONFIRM = "I confirm this amount"
pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(alice, business_day) -> Client:
    open_drawer(alice)
    client = Client()
    client.force_login(alice)
    return client


def _post(client: Client, **fields: str):
    url = reverse("payments:take")
    html = client.get(url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    return client.post(url, {"token": token, **fields})


@pytest.mark.parametrize(
    "typed",
    [
        "\U0001d7d7\U0001d7d7.\U0001d7ce\U0001d7ce",  # mathematical bold 99.00
        "\uff19\uff19.\uff10\uff10",  # full-width
        "\u07c9\u07c9.\u07c0\u07c0",  # NKo
        "\u0669\u0669.\u0660\u0660",  # Arabic-Indic
    ],
)
@pytest.mark.parametrize("field", ["amount_0", "cash_amount"])
def test_it_refuses_an_amount_in_digits_that_are_not_ascii(clerk, account, typed, field) -> None:
    fields = {"account_0": account.number, "amount_0": "99.00", "cash_amount": "99.00"}
    response = _post(clerk, **{**fields, field: typed})
    assert response.status_code == 400
    assert "digits 0 to 9 only" in response.content.decode()
    assert response.context["form"].errors[field]
    assert not Payment.objects.exists()


def test_it_asks_the_clerk_to_confirm_a_large_payment(clerk, bob, account) -> None:
    charge(account, bob, water="12000.00")
    typed = {"account_0": account.number, "amount_0": "12,000.00", "check_amount": "12000"}
    typed["check_number"] = "4471"

    asked = _post(clerk, **typed)

    html = asked.content.decode()
    assert asked.status_code == 400
    assert "$12,000.00 is more than $10,000.00" in html
    assert CONFIRM in html and 'name="confirm_amount"' in html
    assert 'value="12,000.00"' in html and 'value="4471"' in html  # the form is kept
    assert not Payment.objects.exists()

    confirmed = _post(clerk, **typed, confirm_amount="on")
    assert confirmed.status_code == 302
    assert balance(account) == D("0.00")


def test_it_asks_for_cash_tendered_far_above_the_bill(clerk, account) -> None:
    response = _post(clerk, account_0=account.number, amount_0="50", cash_amount="50000")
    assert response.status_code == 400
    assert "$50,000.00 is more than $10,000.00" in response.content.decode()


def test_it_does_not_ask_at_the_limit_or_for_a_normal_payment(clerk, bob, account) -> None:
    charge(account, bob, water="10000.00")
    response = _post(clerk, account_0=account.number, amount_0="10000.00", cash_amount="10000")
    assert response.status_code == 302
    page = clerk.get(reverse("payments:take")).content.decode()
    assert CONFIRM not in page  # the box appears only with the question


def test_it_reads_the_limit_from_settings(clerk, account, settings) -> None:
    settings.PAYMENTS_CONFIRM_OVER = D("100.00")
    response = _post(clerk, account_0=account.number, amount_0="150", cash_amount="150")
    assert "$150.00 is more than $100.00" in response.content.decode()


def test_it_asks_on_the_misc_revenue_form_too(clerk) -> None:
    url = reverse("payments:misc")
    html = clerk.get(url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    item = MiscRevenueItem.objects.get(name="Building permit")
    data = {"token": token, "item": item.pk, "amount": "20000", "cash_amount": "20000"}
    response = clerk.post(url, data)
    assert response.status_code == 400
    assert CONFIRM in response.content.decode()


@pytest.mark.parametrize("typed", ["10000000000.00", "99999999999999999999"])
def test_it_refuses_an_amount_beyond_the_ledger(clerk, account, typed) -> None:
    response = _post(clerk, account_0=account.number, amount_0=typed, cash_amount="5")
    assert response.status_code == 400
    assert "more than the ledger accepts ($9,999,999,999.99)" in response.content.decode()
    assert not Payment.objects.exists()


def test_it_refuses_the_take_page_to_the_wrong_user(erin, business_day) -> None:
    client = Client()
    client.force_login(erin)  # an auditor takes no payments
    response = client.post(reverse("payments:take"), {"amount_0": "12000", "confirm_amount": "on"})
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_it_reads_the_confirmation_limit_strictly(monkeypatch) -> None:
    assert env_decimal("PAYMENTS_CONFIRM_OVER", D("10000.00")) == D("10000.00")
    monkeypatch.setenv("PAYMENTS_CONFIRM_OVER", "2500.5")
    assert env_decimal("PAYMENTS_CONFIRM_OVER", D("10000.00")) == D("2500.5")
    for bad in ["1e4", "-5", "ten", "\uff15\uff10\uff10", "NaN", ""]:
        monkeypatch.setenv("PAYMENTS_CONFIRM_OVER", bad)
        with pytest.raises(ImproperlyConfigured, match="PAYMENTS_CONFIRM_OVER"):
            env_decimal("PAYMENTS_CONFIRM_OVER", D("10000.00"))


def test_it_keeps_the_confirmation_ticked_when_something_else_is_refused(clerk, account) -> None:
    typed = {"account_0": account.number, "amount_0": "12000", "cash_amount": "11000"}
    response = _post(clerk, **typed, confirm_amount="on")  # cash short of the amount applied
    html = response.content.decode()
    assert response.status_code == 400
    assert "less than the" in html
    assert re.search(r'<input type="checkbox" name="confirm_amount"[^>]* checked', html)
    assert not Payment.objects.exists()
