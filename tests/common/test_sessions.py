"""Sessions end SESSION_ABSOLUTE_TIMEOUT_HOURS after sign-in, however active."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from billing_site.common.sessions import SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _set_signed_in_at(client: Client, when: int) -> None:
    session = client.session
    session[SIGNED_IN_AT] = when
    session.save()


def test_it_declares_a_shift_by_default() -> None:
    assert settings.SESSION_ABSOLUTE_TIMEOUT_HOURS == 10


def test_it_records_when_the_user_signed_in(alice):
    client = _signed_in(alice)

    assert abs(client.session[SIGNED_IN_AT] - time.time()) < 60


def test_it_signs_out_a_session_older_than_a_shift(alice):
    client = _signed_in(alice)
    _set_signed_in_at(client, int(time.time()) - 10 * 3600 - 1)

    response = client.get(reverse("accounts:search"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302  # still signed out
    page = client.get(response["Location"]).text
    assert "signed out after 10 hours" in page


def test_it_keeps_a_session_within_the_shift(alice):
    client = _signed_in(alice)
    _set_signed_in_at(client, int(time.time()) - 9 * 3600)

    assert client.get(reverse("accounts:search")).status_code == 200


def test_it_starts_the_clock_for_a_session_without_one(alice):
    client = _signed_in(alice)
    session = client.session
    del session[SIGNED_IN_AT]
    session.save()

    assert client.get(reverse("accounts:search")).status_code == 200
    assert isinstance(client.session[SIGNED_IN_AT], int)


def test_it_follows_the_setting(alice, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT_HOURS = 2
    client = _signed_in(alice)
    _set_signed_in_at(client, int(time.time()) - 2 * 3600 - 5)

    assert client.get(reverse("accounts:search")).status_code == 302


def test_it_restarts_the_clock_on_a_new_sign_in(alice):
    client = _signed_in(alice)
    _set_signed_in_at(client, int(time.time()) - 11 * 3600)
    client.force_login(alice)  # same user, same browser: a fresh shift

    assert client.get(reverse("accounts:search")).status_code == 200
