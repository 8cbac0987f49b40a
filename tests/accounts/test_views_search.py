"""Search as you type: the htmx fragment, the full page, scanner input, odd text."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from ledger import services as ledger
from tests.factories import make_account, make_customer, service

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ODD_TEXT = [
    "O'Brien",
    '"quoted" name',
    "100%",
    "a_b",
    "%_%",
    "\\",
    "'; DROP TABLE accounts_account; --",
    "1 OR 1=1",
    "<script>alert(1)</script>",
    "😀🚰",
    "שלום עולם",
    "مرحبا",
    "x" * 10_000,
    "9" * 10_000,
    "a\x00b",
    "   ",
    "(850) 555-",
    "²³",
]


def search(client, text: str, **extra):
    return client.get(reverse("accounts:search"), {"q": text}, **extra)


def test_it_sends_anonymous_users_to_login(client):
    response = search(client, "smith")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_it_refuses_users_without_account_access(client, frank):
    client.force_login(frank)
    assert search(client, "smith").status_code == 403


def test_it_lists_matches_as_you_type(client, alice, bob, business_day):
    customer = make_customer(bob, first_name="Maria", last_name="Gonzalez")
    account = make_account(bob, customer=customer)
    ledger.post_charges(
        account=account, charges=[(service("WATER"), D("42.10"))], memo="Nov", acting_user=bob
    )
    client.force_login(alice)
    response = search(client, "gonz", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment, not the page
    assert account.number in html
    assert "Gonzalez, Maria" in html
    assert str(account.premise.line1) in html
    assert "Residential" in html and "Active" in html
    assert "$42.10" in html
    assert reverse("accounts:detail", args=[account.pk]) in html
    assert response.headers["Vary"].find("HX-Request") >= 0


def test_it_says_no_accounts_found(client, alice, account):
    client.force_login(alice)
    response = search(client, "zzzz-nobody", **HTMX)
    assert "No accounts found" in response.content.decode()


def test_it_returns_nothing_for_a_blank_query(client, alice, account):
    client.force_login(alice)
    response = search(client, "", **HTMX)
    assert response.status_code == 200
    assert "No accounts found" not in response.content.decode()
    assert account.number not in response.content.decode()


def test_it_opens_the_account_when_a_scanner_types_its_number(client, alice, account):
    client.force_login(alice)
    response = search(client, f" {account.number} ")
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("accounts:detail", args=[account.pk])


def test_it_lists_an_exact_number_as_you_type_instead_of_redirecting(client, alice, account):
    client.force_login(alice)
    response = search(client, account.number, **HTMX)
    assert response.status_code == 200
    assert account.number in response.content.decode()


def test_it_shows_the_full_page_when_enter_is_pressed(client, alice, bob):
    account = make_account(bob, customer=make_customer(bob, last_name="Okafor"))
    client.force_login(alice)
    response = search(client, "okafor")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="account-search"' in html
    assert account.number in html
    assert 'value="okafor"' in html


def test_it_finds_a_phone_number_typed_with_punctuation(client, alice, bob):
    account = make_account(bob, customer=make_customer(bob, phone="3055550199"))
    client.force_login(alice)
    response = search(client, "(305) 555-0199", **HTMX)
    assert account.number in response.content.decode()


def test_it_hides_balances_from_field_technicians(client, dave, bob, business_day):
    account = make_account(bob, customer=make_customer(bob, last_name="Lindqvist"))
    ledger.post_charges(
        account=account, charges=[(service("WATER"), D("77.00"))], memo="Nov", acting_user=bob
    )
    client.force_login(dave)
    html = search(client, "lindqvist", **HTMX).content.decode()
    assert account.number in html
    assert "$77.00" not in html and "Balance" not in html


@pytest.mark.parametrize("text", ODD_TEXT)
@pytest.mark.parametrize("htmx", [True, False])
def test_it_takes_any_text_without_error(client, alice, account, text, htmx):
    client.force_login(alice)
    response = search(client, text, **(HTMX if htmx else {}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    if text.strip():
        assert "No accounts found" in html or account.number in html


def test_it_escapes_what_was_typed_on_the_full_page(client, alice):
    client.force_login(alice)
    html = search(client, '"><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_puts_the_search_box_on_the_home_page_with_focus(client, alice):
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert 'id="account-search"' in html
    assert "autofocus" in html
    assert 'hx-trigger="input changed delay:150ms, search"' in html
