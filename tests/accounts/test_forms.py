"""Form validation on its own: phone, ZIP, state, dates, and the open-account rules."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms as django_forms

from accounts import forms


class Probe(django_forms.Form):
    phone = forms.PhoneField(required=False)
    zip_code = forms.ZipField(required=False)
    state = forms.StateField(required=False)
    day = forms.DayField(required=False)


def fullwidth(digits: str) -> str:
    """The same digits as an East Asian keyboard types them (U+FF10..U+FF19)."""
    return "".join(chr(0xFF10 + int(d)) for d in digits)


def probe(**data: Any) -> Probe:
    form = Probe(data)
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("8505551234", "8505551234"),
        ("(850) 555-1234", "8505551234"),
        ("850.555.1234", "8505551234"),
        ("+1 850 555 1234", "8505551234"),
        ("1-850-555-1234", "8505551234"),
        ("", ""),
    ],
)
def test_it_stores_phone_digits(typed, stored):
    assert probe(phone=typed).cleaned_data["phone"] == stored


@pytest.mark.parametrize(
    "typed",
    [
        "555-1234",
        "85055512345",
        "0505551234",
        "1505551234",
        "850-555-CALL",
        fullwidth("8505551234"),
    ],
)
def test_it_refuses_phones_that_are_not_ten_us_digits(typed):
    assert "phone" in probe(phone=typed).errors


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("32301", "32301"), ("32301-1234", "32301-1234"), ("323011234", "32301-1234")],
)
def test_it_accepts_five_or_nine_digit_zips(typed, stored):
    assert probe(zip_code=typed).cleaned_data["zip_code"] == stored


@pytest.mark.parametrize(
    "typed", ["3230", "32301-12", "32301 1234", "ABCDE", "32301-12345", fullwidth("32301")]
)
def test_it_refuses_other_zips(typed):
    assert "zip_code" in probe(zip_code=typed).errors


def test_it_upper_cases_states_and_refuses_unknown_ones():
    assert probe(state="fl").cleaned_data["state"] == "FL"
    assert probe(state="pr").cleaned_data["state"] == "PR"
    assert "state" in probe(state="XX").errors
    assert "state" in probe(state="F").errors


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("1900-01-01", True),
        ("2100-12-31", True),
        ("1899-12-31", False),
        ("2101-01-01", False),
        ("0001-01-01", False),
        ("9999-12-31", False),
        ("2026-02-29", False),
        ("yesterday", False),
    ],
)
def test_it_keeps_dates_between_1900_and_2100(typed, ok):
    assert ("day" not in probe(day=typed).errors) is ok


def open_form(**data: Any) -> forms.OpenAccountForm:
    base = {"account_class": "residential", "start_date": "2026-11-23"}
    form = forms.OpenAccountForm({**base, **data})
    form.is_valid()
    return form


def test_it_asks_for_a_customer_number_when_existing_is_chosen():
    form = open_form(customer_mode="existing", premise_mode="new")
    assert form.errors["customer"] == ["Enter the customer number, or choose one."]
    assert "last_name" not in form.errors


def test_it_asks_for_the_new_customer_name_and_address():
    form = open_form(customer_mode="new", kind="person", premise_mode="new")
    assert {"last_name", "mailing_line1", "mailing_city", "mailing_state", "mailing_zip"} <= set(
        form.errors
    )
    assert {"line1", "city", "state", "zip_code"} <= set(form.errors)
    assert "organisation_name" not in form.errors


def test_it_does_not_ask_for_a_mailing_address_when_it_is_the_service_address():
    form = open_form(
        customer_mode="new",
        kind="person",
        last_name="Ng",
        mailing_same="on",
        premise_mode="new",
        line1="1 A St",
        city="Miami",
        state="FL",
        zip_code="33101",
    )
    assert form.is_valid(), form.errors
    fields = form.customer_fields()
    assert (fields["mailing_line1"], fields["mailing_zip"]) == ("1 A St", "33101")
