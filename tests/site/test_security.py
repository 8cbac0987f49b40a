"""Settings that protect customer records: hashing, lockout, idle timeout, CSP, deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from billing_site.settings import base

ROOT = Path(__file__).resolve().parents[2]


def test_it_hashes_passwords_with_argon2_outside_tests() -> None:
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_it_times_out_idle_sessions_after_the_setting() -> None:
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
    assert base.SESSION_IDLE_TIMEOUT_MINUTES == 15 or "SESSION_IDLE_TIMEOUT_MINUTES" in os.environ


def _expiry(client: Client):  # type: ignore[no-untyped-def]
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.mark.django_db
def test_activity_renews_the_idle_timeout_at_most_once_a_minute(client, alice, monkeypatch) -> None:
    import time

    from django.contrib.sessions.models import Session

    client.force_login(alice)
    assert client.get(reverse("home")).status_code == 200
    first = _expiry(client)
    assert client.get(reverse("home")).status_code == 200
    assert _expiry(client) == first  # no session write within the minute
    later = time.time() + settings.SESSION_TOUCH_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(reverse("home")).status_code == 200
    assert _expiry(client) > first  # renewed: the clerk was active

    # Idle past the timeout: the session is gone and the next page asks to sign in.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=first.replace(year=2000)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_it_locks_the_username_not_the_counter_ip(alice, bob) -> None:
    client = Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    locked = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"}
    )
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    # Bob, at the same counter (same IP), still signs in.
    ok = Client(REMOTE_ADDR="10.0.0.5").post(
        reverse("login"), {"username": "bob", "password": "correct-horse-battery"}
    )
    assert ok.status_code == 302
    assert ok.headers["Location"] == reverse("home")


@pytest.mark.django_db
def test_it_sends_a_strict_content_security_policy(client, alice) -> None:
    client.force_login(alice)
    response = client.get(reverse("home"))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert b"<script>" not in response.content
    assert b" style=" not in response.content


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_login(client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_it_passes_the_deploy_check_with_production_settings() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "billing_site.settings.production",
        "SECRET_KEY": "x7!kq" * 12,
        "DATABASE_URL": "postgres://billing:secret@127.0.0.1:5432/billing",
        "ALLOWED_HOSTS": "billing.example.gov",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_production_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "billing_site.settings.production",
        "DATABASE_URL": "postgres://x@h/d",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


@pytest.mark.django_db
def test_refusals_and_missing_pages_are_explained_in_the_site_layout(client, alice) -> None:
    client.force_login(alice)
    refused = client.get(reverse("payments:closeout"))
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "Your role does not allow this" in html and "Sign out" in html
    missing = client.get("/accounts/999999999/")
    assert missing.status_code == 404
    assert "Not found" in missing.content.decode()


def test_the_server_error_page_needs_no_request() -> None:
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
