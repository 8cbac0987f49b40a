"""Opening an account: new or existing customer and address, and all the ways to mistype."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.choices import AccountStatus
from accounts.models import Account, Customer, Premise
from tests.factories import make_account, make_customer, make_premise
from tests.forms import with_token

pytestmark = pytest.mark.django_db

URL = "/accounts/open/"


def new_everything(**changes: Any) -> dict[str, Any]:
    data = {
        "customer_mode": "new",
        "kind": "person",
        "first_name": "Lena",
        "last_name": "Park",
        "phone": "(850) 555-0142",
        "email": "lena@example.org",
        "mailing_line1": "PO Box 12",
        "mailing_city": "Tallahassee",
        "mailing_state": "fl",
        "mailing_zip": "323011234",
        "premise_mode": "new",
        "line1": "77 Magnolia Dr",
        "line2": "",
        "city": "Tallahassee",
        "state": "FL",
        "zip_code": "32303",
        "account_class": "residential",
        "start_date": "2026-11-23",
        "master_number": "",
    }
    return {**data, **changes}


def counts() -> tuple[int, int, int]:
    return Customer.objects.count(), Premise.objects.count(), Account.objects.count()


def test_it_is_at_the_url_the_project_links_to():
    assert reverse("accounts:open") == URL


def test_it_sends_anonymous_users_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["alice", "dave", "erin", "frank"])
def test_it_refuses_roles_that_do_not_open_accounts(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, new_everything()).status_code == 403
    assert counts() == (0, 0, 0)


def test_it_opens_an_account_for_a_new_customer_at_a_new_address(client, bob):
    client.force_login(bob)
    response = client.post(URL, with_token(client, URL, new_everything()))
    account = Account.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("accounts:detail", args=[account.pk])
    assert account.status == AccountStatus.PENDING and account.opened_by == bob
    assert account.customer.phone == "8505550142"
    assert account.customer.mailing_zip == "32301-1234"
    assert account.customer.mailing_state == "FL"
    assert account.premise.line1 == "77 Magnolia Dr"
    page = client.get(response.headers["Location"]).content.decode()
    assert f"Account {account.number} opened" in page


def test_a_double_click_or_a_replayed_post_opens_one_account(client, bob):
    client.force_login(bob)
    data = with_token(client, URL, new_everything())
    first = client.post(URL, data)
    again = client.post(URL, data)  # the second click of a double click, or Back + resend
    assert counts() == (1, 1, 1)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]


def test_a_forged_token_opens_nothing_and_keeps_the_form(client, bob):
    client.force_login(bob)
    response = client.post(URL, {**new_everything(), "token": "forged"})
    assert response.status_code == 200
    assert "expired" in response.content.decode()
    assert 'value="Park"' in response.content.decode()  # what was typed comes back
    assert counts() == (0, 0, 0)


def test_it_opens_an_account_for_an_existing_customer_and_address(client, bob):
    customer, premise = make_customer(bob), make_premise(bob)
    client.force_login(bob)
    data = {
        "customer_mode": "existing",
        "customer": str(customer.pk),
        "premise_mode": "existing",
        "premise": str(premise.pk),
        "account_class": "commercial",
        "start_date": "2026-11-23",
    }
    response = client.post(URL, with_token(client, URL, data))
    assert response.status_code == 302
    account = Account.objects.get()
    assert (account.customer, account.premise, account.account_class) == (
        customer,
        premise,
        "commercial",
    )
    assert counts() == (1, 1, 1)


def test_it_copies_the_service_address_for_mail_when_asked(client, bob):
    client.force_login(bob)
    data = new_everything(mailing_same="on", mailing_line1="", mailing_city="", mailing_zip="")
    assert client.post(URL, with_token(client, URL, data)).status_code == 302
    customer = Customer.objects.get()
    assert (customer.mailing_line1, customer.mailing_zip) == ("77 Magnolia Dr", "32303")


def test_it_opens_an_organisation_as_a_sub_account(client, bob):
    master = make_account(bob, is_master=True)
    client.force_login(bob)
    data = new_everything(
        kind="organisation", organisation_name="Harbor Flats LLC", master_number=master.number
    )
    assert client.post(URL, with_token(client, URL, data)).status_code == 302
    account = Account.objects.latest("pk")
    assert account.master == master
    assert account.customer.display_name == "Harbor Flats LLC"
    assert account.customer.last_name == ""


def test_it_prefills_the_customer_from_a_link(client, bob):
    customer = make_customer(bob, last_name="Mbeki")
    client.force_login(bob)
    html = client.get(URL, {"customer": customer.pk}).content.decode()
    assert f'value="{customer.pk}"' in html and "Mbeki" in html
    assert 'value="existing" checked' in html or "checked" in html


def test_it_reports_every_missing_field_and_saves_nothing(client, bob):
    client.force_login(bob)
    response = client.post(URL, with_token(client, URL, {}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"customer_mode", "premise_mode", "account_class", "start_date"} <= errors.keys()
    response = client.post(
        URL,
        with_token(client, URL, {"customer_mode": "new", "premise_mode": "new", "kind": "person"}),
    )
    errors = response.context["form"].errors
    assert {"last_name", "mailing_line1", "line1", "city", "zip_code"} <= errors.keys()
    assert "Nothing was saved" in response.content.decode()
    assert counts() == (0, 0, 0)


def test_it_asks_for_the_organisation_name(client, bob):
    client.force_login(bob)
    response = client.post(URL, with_token(client, URL, new_everything(kind="organisation")))
    assert "organisation_name" in response.context["form"].errors
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("phone", "555-1234", "10-digit US phone number"),
        ("phone", "(850) 555-0142 ext 3", "10-digit US phone number"),
        ("phone", "123-456-7890", "10-digit US phone number"),
        ("alt_phone", "8505550142999", "10-digit US phone number"),
        ("email", "lena at example", "Enter an email"),
        ("email", "a@" + "b" * 260 + ".org", "at most 254"),
        ("mailing_zip", "3230", "ZIP code like 12345"),
        ("zip_code", "32303-12", "ZIP code like 12345"),
        ("zip_code", "ABCDE", "ZIP code like 12345"),
        ("state", "ZZ", "two-letter US state"),
        ("mailing_state", "Florida", "at most 2"),
        ("start_date", "1899-12-31", "between 1900 and 2100"),
        ("start_date", "2101-01-01", "between 1900 and 2100"),
        ("start_date", "2026-13-45", "Enter a date"),
        ("start_date", "99999-01-01", "Enter a date"),
        ("last_name", "P" * 101, "at most 100"),
        ("line1", "x" * 10_000, "at most 200"),
        ("account_class", "palace", "Select a valid choice"),
        ("first_name", "Lena\x00", "Null characters are not allowed"),
    ],
)
def test_it_explains_bad_input_next_to_the_field(client, bob, field, typed, message):
    client.force_login(bob)
    response = client.post(URL, with_token(client, URL, new_everything(**{field: typed})))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    if len(typed) < 300 and "\x00" not in typed and field != "account_class":
        assert f'value="{typed}"' in html  # what was typed is kept
    assert 'value="Park"' in html or field == "last_name"
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("typed", ["abc", "999999", "9" * 30, "-1", "1.5"])
def test_it_refuses_unknown_customer_and_address_numbers(client, bob, typed):
    client.force_login(bob)
    data = new_everything(customer_mode="existing", customer=typed, premise_mode="existing")
    data["premise"] = typed
    response = client.post(URL, with_token(client, URL, data))
    errors = response.context["form"].errors
    assert errors["customer"] == ["No customer has that number."]
    assert errors["premise"] == ["No service address has that number."]
    assert counts() == (0, 0, 0)


def test_it_refuses_a_master_number_that_does_not_exist(client, bob):
    client.force_login(bob)
    response = client.post(URL, with_token(client, URL, new_everything(master_number="12345678")))
    assert response.context["form"].errors["master_number"] == ["No account has that number."]


def test_it_keeps_nothing_when_the_service_refuses_the_master(client, bob):
    plain = make_account(bob)
    before = counts()
    client.force_login(bob)
    response = client.post(URL, with_token(client, URL, new_everything(master_number=plain.number)))
    assert response.status_code == 200
    assert response.context["form"].errors["master_number"] == [
        "That account is not a master account."
    ]
    assert counts() == before  # the new customer and address were rolled back too


def test_it_stores_odd_text_as_typed_and_shows_it_escaped(client, bob):
    client.force_login(bob)
    name = "<script>alert('x')</script> O'Hara \"Jr\""
    data = new_everything(first_name="😀 Zoë", last_name=name, line1="שדרות 5 רחוב")
    response = client.post(URL, with_token(client, URL, data), follow=True)
    customer = Customer.objects.get()
    assert customer.last_name == name and customer.first_name == "😀 Zoë"
    html = response.content.decode()
    assert "<script>alert('x')" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "שדרות 5 רחוב" in html and "😀 Zoë" in html


def test_it_finds_customers_and_addresses_to_pick(client, bob):
    account = make_account(bob, customer=make_customer(bob, last_name="Abernathy"))
    client.force_login(bob)
    response = client.get(reverse("accounts:party_search"), {"find": "aberna"})
    html = response.content.decode()
    assert f'data-fill-value="{account.customer_id}"' in html
    assert f'data-fill-value="{account.premise_id}"' in html
    response = client.get(reverse("accounts:party_search"), {"find": "<script>'%_"})
    assert response.status_code == 200 and "No customers" in response.content.decode()


def test_it_refuses_the_picker_to_clerks(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:party_search"), {"find": "a"}).status_code == 403
