"""The session seen from the page: seconds left before the idle timeout, "stay
signed in", a form posted after the session ended kept for after signing in, and
"Error:" in the title of a page whose form came back with errors."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from billing_site.common.session_ui import STASH

pytestmark = pytest.mark.django_db


def test_it_tells_the_page_how_long_the_session_has_left(client: Client, alice, settings) -> None:
    settings.SESSION_COOKIE_AGE = 600
    settings.SESSION_IDLE_WARNING_SECONDS = 45
    client.force_login(alice)
    response = client.get("/")
    assert response.headers["X-Session-Idle-Left"] == "600"
    html = response.content.decode()
    assert 'data-idle-left="600"' in html and 'data-idle-warn="45"' in html
    assert 'id="idle-warning"' in html and "Stay signed in" in html


def test_it_renews_the_idle_timeout_on_stay_signed_in(client: Client, alice) -> None:
    client.force_login(alice)
    response = client.post("/session/keepalive/")
    assert response.status_code == 200
    assert response.json()["left"] > 0


def test_it_refuses_stay_signed_in_by_get_or_without_a_session(client: Client, alice) -> None:
    assert client.post("/session/keepalive/").status_code == 302  # signed out: to login
    client.force_login(alice)
    assert client.get("/session/keepalive/").status_code == 405


def test_it_keeps_a_form_posted_after_the_session_ended(client: Client, alice, account) -> None:
    client.force_login(alice)
    Session.objects.all().delete()
    response = client.post(
        f"/adjustments/new/?account={account.pk}",
        {
            "memo": "Leak at the meter",
            "amount_WATER": "12.34",
            "token": "one-time",
            "payer_note": "4111 1111 1111 1111",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")
    stash = client.session[STASH]
    assert stash["path"] == "/adjustments/new/"
    assert stash["data"]["memo"] == ["Leak at the meter"]
    assert "token" not in stash["data"]  # the page's fresh token is the one sent again
    assert stash["data"]["payer_note"] == []  # a card number is never kept

    client.post("/login/", {"username": "alice", "password": "correct-horse-battery"})
    page = client.get(f"/adjustments/new/?account={account.pk}").content.decode()
    assert 'id="restored-form"' in page and "Leak at the meter" in page
    assert "4111" not in page
    assert 'id="restored-form"' not in client.get("/adjustments/new/").content.decode()


def test_it_keeps_nothing_for_another_page_or_an_empty_post(client: Client, alice) -> None:
    client.post("/session/keepalive/")
    assert STASH not in client.session
    client.post("/adjustments/new/", {"memo": "typed"})
    client.post("/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert 'id="restored-form"' not in client.get("/payments/take/").content.decode()


def test_it_starts_the_title_with_error_when_a_form_comes_back(client: Client, alice) -> None:
    bad = client.post("/login/", {"username": "alice", "password": "wrong"})
    html = bad.content.decode()
    assert "<title>Error: Sign in" in html
    assert 'aria-invalid="true" aria-describedby="login-error"' in html
    assert 'id="login-error"' in html
    assert "<title>Sign in" in client.get("/login/").content.decode()
