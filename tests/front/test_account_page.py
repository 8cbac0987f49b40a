"""The account page: what each role sees, and nothing typed is ever run as markup."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.choices import AccountClass, FlagKind, NoteKind
from ledger import services as ledger
from tests.factories import make_account, make_customer, make_premise, service

pytestmark = pytest.mark.django_db


def page(client, account):
    return client.get(reverse("accounts:detail", args=[account.pk]))


def charge(account, by, amount: str, code: str = "WATER"):
    return ledger.post_charges(
        account=account, charges=[(service(code), D(amount))], memo=f"{code} bill", acting_user=by
    )


def test_it_sends_anonymous_users_to_login(client, account):
    response = page(client, account)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_it_refuses_users_without_account_access(client, frank, account):
    client.force_login(frank)
    assert page(client, account).status_code == 403


def test_it_says_404_for_an_account_that_does_not_exist(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/999999/").status_code == 404
    assert client.get("/accounts/99999999999999999999999/").status_code == 404


def test_it_shows_the_customer_service_and_dates(client, alice, bob):
    customer = make_customer(
        bob, first_name="Ana", last_name="Ruiz", phone="8505550100", email="ana@example.org"
    )
    premise = make_premise(bob, line1="12 Elm St", line2="Apt 4")
    account = make_account(bob, customer=customer, premise=premise, start_date=dt.date(2024, 3, 1))
    client.force_login(alice)
    html = page(client, account).content.decode()
    for text in [account.number, "Ruiz, Ana", "(850) 555-0100", "ana@example.org", "12 Elm St"]:
        assert text in html
    assert "Apt 4" in html and "Residential" in html and "Active" in html
    assert "Mar 1, 2024" in html
    assert customer.mailing_line1 in html  # mailing address differs from the service address


def test_it_says_when_mail_goes_to_the_service_address(client, alice, bob):
    customer = make_customer(
        bob, mailing_line1="5 Pine Rd", mailing_city="Tallahassee", mailing_zip="32303"
    )
    premise = make_premise(bob, line1="5 Pine Rd", zip_code="32303")
    account = make_account(bob, customer=customer, premise=premise)
    client.force_login(alice)
    assert "Same as the service address" in page(client, account).content.decode()


def test_it_shows_balance_open_amounts_aging_and_activity(client, alice, bob, business_day):
    account = make_account(bob)
    charge(account, bob, "40.00", "WATER")
    charge(account, bob, "30.00", "SEWER")
    ledger.post_payment(account=account, amount=D("50.00"), memo="Cash", acting_user=bob)
    client.force_login(alice)
    html = page(client, account).content.decode()
    assert "Owes" in html and "$20.00" in html
    assert "Open amounts" in html and "Aging" in html
    assert "Ledger activity" in html
    assert "WATER bill" in html and "SEWER bill" in html and "Cash" in html
    assert "-$50.00" in html and "$70.00" in html  # payment and the running balance before it
    assert html.index("-$50.00") < html.index("WATER bill")  # newest first


def test_it_shows_a_credit_as_a_credit(client, alice, bob, business_day):
    account = make_account(bob)
    ledger.post_payment(account=account, amount=D("15.00"), memo="Prepay", acting_user=bob)
    client.force_login(alice)
    html = page(client, account).content.decode()
    assert "Credit" in html and "$15.00" in html and "in the customer" in html


def test_it_shows_the_deposit_held_beside_not_in_the_balance(client, alice, bob, business_day):
    account = make_account(bob)
    charge(account, bob, "20.00")
    ledger.deposit_take(account=account, amount=D("150.00"), memo="Deposit", acting_user=alice)
    client.force_login(alice)
    html = page(client, account).content.decode()
    assert "Security deposit held" in html and "$150.00" in html
    account.refresh_from_db()
    assert account.balance.amount == D("20.00")  # what the customer owes is unchanged


def test_it_hides_money_and_history_from_field_technicians(client, dave, bob, business_day):
    account = make_account(bob)
    charge(account, bob, "61.25")
    services.system_note(
        account=account, text="Returned check for 61.25 reversed.", acting_user=bob
    )
    services.note_add(account=account, text="Dog in the yard", kind="note", acting_user=bob)
    client.force_login(dave)
    response = page(client, account)
    html = response.content.decode()
    assert response.status_code == 200
    assert account.number in html
    assert "$61.25" not in html
    assert "Ledger activity" not in html and "Owes" not in html and "Aging" not in html
    assert 'id="history-h"' not in html
    assert "Dog in the yard" in html and "Returned check" not in html  # system notes are money


def test_it_shows_history_with_who_and_why_to_auditors(client, erin, bob, account):
    services.customer_update(
        customer=account.customer, acting_user=bob, reason="Customer called in", phone="8505559999"
    )
    client.force_login(erin)
    html = page(client, account).content.decode()
    assert 'id="history-h"' in html
    assert "Service started" in html and "bob" in html
    assert "Customer called in" in html and "8505559999" in html


def test_it_shows_flags_in_force_prominently(client, alice, bob, account):
    until = timezone.localdate() + dt.timedelta(days=30)
    services.flag_set(
        account=account,
        kind=FlagKind.DO_NOT_DISCONNECT,
        reason="Oxygen concentrator",
        expires_on=until,
        acting_user=bob,
    )
    cleared = services.flag_set(
        account=account, kind=FlagKind.CASH_ONLY, reason="Two NSF checks", acting_user=bob
    )
    services.flag_clear(flag=cleared, reason="A year without returns", acting_user=bob)
    client.force_login(alice)
    html = page(client, account).content.decode()
    alerts = html[html.index('class="alerts"') : html.index("</section>", html.index("alerts"))]
    assert "Do not disconnect" in alerts and "Oxygen concentrator" in alerts
    assert until.strftime("%b") in alerts
    assert "Cash only" not in alerts


def test_it_pins_footnotes_above_notes(client, alice, bob, account):
    services.note_add(account=account, text="Called about leak", acting_user=alice)
    services.note_add(
        account=account, text="Landlord pays sewer", kind=NoteKind.FOOTNOTE, acting_user=bob
    )
    services.note_add(account=account, text="Newest note", acting_user=alice)
    client.force_login(alice)
    html = page(client, account).content.decode()
    assert html.index("Landlord pays sewer") < html.index("Newest note")
    assert html.index("Newest note") < html.index("Called about leak")


def test_it_lists_sub_accounts_with_their_balances(client, alice, bob, business_day):
    master = make_account(bob, is_master=True, account_class=AccountClass.MULTI_FAMILY)
    sub = make_account(bob, master=master)
    charge(sub, bob, "88.40")
    client.force_login(alice)
    html = page(client, master).content.decode()
    assert "Sub-accounts (1)" in html and sub.number in html and "$88.40" in html
    sub_html = page(client, sub).content.decode()
    assert "Sub-account of" in sub_html
    assert reverse("accounts:detail", args=[master.pk]) in sub_html


def test_it_escapes_names_and_notes(client, alice, bob):
    customer = make_customer(bob, first_name="<b>Bold</b>", last_name="<script>alert(1)</script>")
    account = make_account(bob, customer=customer)
    services.note_add(
        account=account, text='<img src=x onerror="alert(2)"> مرحبا 😀', acting_user=bob
    )
    client.force_login(alice)
    html = page(client, account).content.decode()
    assert "<script>alert(1)" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "مرحبا 😀" in html


def test_it_has_no_inline_script_or_style(client, alice, account):
    client.force_login(alice)
    html = page(client, account).content.decode()
    assert "<script>" not in html and " style=" not in html


def test_it_shows_only_the_actions_the_role_may_take(client, alice, bob, account):
    client.force_login(alice)
    html = page(client, account).content.decode()
    assert reverse("accounts:note_add", args=[account.pk]) in html
    assert reverse("accounts:flag_set", args=[account.pk]) not in html
    assert reverse("accounts:status", args=[account.pk]) not in html
    client.force_login(bob)
    html = page(client, account).content.decode()
    assert reverse("accounts:flag_set", args=[account.pk]) in html
    assert reverse("accounts:status", args=[account.pk]) in html
    assert reverse("accounts:master", args=[account.pk]) in html
