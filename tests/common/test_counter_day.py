"""The counter's date: the ledger's open business day, wired in by the top floor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing_site.common import counter_day

pytestmark = pytest.mark.django_db


def test_it_is_the_open_business_date(business_day):
    assert counter_day.counter_date() == dt.date(2026, 11, 23)


def test_it_is_the_calendar_date_when_no_day_is_open():
    assert counter_day.counter_date() == timezone.localdate()


def test_it_is_the_calendar_date_without_a_registered_source(monkeypatch, business_day):
    monkeypatch.setattr(counter_day, "_source", None)

    assert counter_day.counter_date() == timezone.localdate()


def test_it_fills_in_a_new_accounts_start_date(client, bob, business_day):
    client.force_login(bob)

    html = client.get(reverse("accounts:open")).content.decode()

    assert 'value="2026-11-23"' in html


def test_it_refuses_the_open_account_form_to_a_clerk(client, alice, business_day):
    client.force_login(alice)

    assert client.get(reverse("accounts:open")).status_code == 403
