"""Editing a customer's contact details and mailing address, with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Customer

pytestmark = pytest.mark.django_db


def url(account) -> str:
    return reverse("accounts:customer_edit", args=[account.pk])


def contact(customer: Customer, **changes: Any) -> dict[str, Any]:
    data = {
        "phone": customer.phone,
        "alt_phone": customer.alt_phone,
        "email": customer.email,
        "mailing_line1": customer.mailing_line1,
        "mailing_line2": customer.mailing_line2,
        "mailing_city": customer.mailing_city,
        "mailing_state": customer.mailing_state,
        "mailing_zip": customer.mailing_zip,
        "reason": "Customer called in",
    }
    return {**data, **changes}


def test_it_updates_contact_details_and_records_why(client, bob, erin, account):
    client.force_login(bob)
    form_page = client.get(url(account)).content.decode()
    assert f'value="{account.customer.phone}"' in form_page
    data = contact(account.customer, phone="850.555.7788", mailing_zip="32308-0001")
    response = client.post(url(account), data)
    assert response.status_code == 302
    customer = Customer.objects.get(pk=account.customer_id)
    assert (customer.phone, customer.mailing_zip) == ("8505557788", "32308-0001")
    record = customer.history.latest("history_date")
    assert record.history_change_reason == "Customer called in"
    assert record.history_user == bob
    client.force_login(erin)
    history = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "Customer called in" in history


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_it_refuses_roles_that_do_not_edit_customers(client, request, who, account):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(account)).status_code == 403
    data = contact(account.customer, phone="8505557788")
    assert client.post(url(account), data).status_code == 403
    assert Customer.objects.get(pk=account.customer_id).phone == account.customer.phone


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("phone", "555-77", "10-digit US phone number"),
        ("phone", "call me", "10-digit US phone number"),
        ("email", "not-an-email", "Enter an email"),
        ("mailing_zip", "1234", "ZIP code like 12345"),
        ("mailing_zip", "12345-678", "ZIP code like 12345"),
        ("mailing_state", "XX", "two-letter US state"),
        ("mailing_line1", "", "This is required"),
        ("mailing_city", "c" * 101, "at most 100"),
        ("reason", "", "This field is required"),
        ("reason", "r" * 501, "at most 500"),
    ],
)
def test_it_explains_bad_input_and_changes_nothing(client, bob, account, field, typed, message):
    client.force_login(bob)
    data = contact(account.customer, **{field: typed}, alt_phone="8505550000")
    response = client.post(url(account), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert 'value="8505550000"' in response.content.decode()  # the rest is kept
    customer = Customer.objects.get(pk=account.customer_id)
    assert customer.alt_phone == "" and customer.history.count() == 1


def test_it_says_when_nothing_changed(client, bob, account):
    client.force_login(bob)
    response = client.post(url(account), contact(account.customer))
    assert response.status_code == 200
    assert "Nothing to save" in response.content.decode()


def test_it_stores_odd_text_and_shows_it_escaped(client, bob, alice, account):
    client.force_login(bob)
    line = '<svg onload="alert(1)"> دار 😀 "Apt" 5'
    data = contact(account.customer, mailing_line1=line, reason="<b>moved</b>")
    assert client.post(url(account), data).status_code == 302
    assert Customer.objects.get(pk=account.customer_id).mailing_line1 == line
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "<svg" not in html and "&lt;svg onload=&quot;alert(1)&quot;&gt; دار 😀" in html
    assert "<b>moved</b>" not in html
