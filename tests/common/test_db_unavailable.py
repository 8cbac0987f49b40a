"""A dropped database connection: reconnect between requests (CONN_HEALTH_CHECKS), and a
request that meets the drop gets a 503 "send again" page that keeps the form, never a 500."""

from __future__ import annotations

import html
import re
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from payments.models import Payment
from tests.payments.helpers import open_drawer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
MESSAGE = "The database was briefly unavailable: nothing was posted, please send again"


def _terminate(pids: list[int]) -> None:
    """pg_terminate_backend from another connection, as a PostgreSQL restart would."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            for pid in pids:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def _my_backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


@pytest.fixture
def clerk(alice, business_day) -> Client:
    open_drawer(alice)
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


def test_it_keeps_the_form_and_posts_once_when_sent_again(clerk, account):
    page = clerk.get(reverse("payments:take")).text
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    data = {"token": token, "account_0": account.number, "amount_0": "12.00", "cash_amount": "12"}
    _terminate([_my_backend()])

    response = clerk.post(reverse("payments:take"), data)

    assert response.status_code == 503
    assert MESSAGE in response.text
    assert response["Cache-Control"] == "no-store"
    kept = _hidden_fields(response.text)
    assert {k: kept[k] for k in data} == data  # the one-time token too
    assert kept["csrfmiddlewaretoken"]
    assert Payment.objects.count() == 0

    resent = clerk.post(reverse("payments:take"), kept)
    assert resent.status_code == 302
    assert clerk.post(reverse("payments:take"), kept).status_code == 302  # a replay
    assert Payment.objects.count() == 1


def test_it_asks_a_reader_to_try_again(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    _terminate([_my_backend()])

    response = client.get(reverse("accounts:search"))

    assert response.status_code == 503
    assert "try again" in response.text
    assert client.get(reverse("accounts:search")).status_code == 200


def test_it_never_echoes_a_password_or_a_card_number(clerk, account):
    _terminate([_my_backend()])

    data = {"password": "correct-horse", "memo": "4111 1111 1111 1111", "amount_0": "5"}
    response = clerk.post(reverse("payments:take"), data)

    assert response.status_code == 503
    assert "correct-horse" not in response.text and "4111" not in response.text
    assert _hidden_fields(response.text)["amount_0"] == "5"


def test_it_leaves_other_errors_to_the_500_page(alice, monkeypatch):
    import importlib

    home_module = importlib.import_module("front.views.home")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not the database")

    monkeypatch.setattr(home_module, "open_business_day", broken)
    client = Client(raise_request_exception=False)
    client.force_login(alice)

    assert client.get(reverse("home")).status_code == 500


def _wsgi_get(path: str, cookie: str) -> int:
    """One request through Django's real WSGI handler: unlike the test client, it sends
    request_started and request_finished, where the connection health check lives."""
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, HTTP_COOKIE=cookie, HTTP_HOST="testserver")
    status: list[str] = []
    response = WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        b"".join(response)
    finally:
        response.close()  # request_finished
    return int(status[0].split()[0])


@pytest.mark.parametrize("health_checks", [True, False])
def test_it_reconnects_between_requests_after_a_restart(alice, health_checks):
    client = Client()
    client.force_login(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    assert _wsgi_get("/", cookie) == 200  # the pooled connection (CONN_MAX_AGE) stays open
    assert connection.health_check_enabled  # CONN_HEALTH_CHECKS, from the settings
    if not health_checks:
        connection.health_check_enabled = False  # how it was before: the request meets the drop
    _terminate([_my_backend()])

    status = _wsgi_get("/", cookie)

    assert status == (200 if health_checks else 503)  # never a 500
