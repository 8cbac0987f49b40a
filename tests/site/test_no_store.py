"""Every response to a signed-in user says Cache-Control: no-store: pages, partials,
PDFs and CSVs, for each role over every URL it may open (and the ones it is refused)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

from .test_access import ALLOWED, EVERYONE, PUBLIC, SKIPPED, _fill, _routes, url_values  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_it_sends_no_store_behind_login(role: str, url_values) -> None:  # noqa: F811
    client = Client()
    client.force_login(make_user(f"user-{role.lower().replace(' ', '-')}", role))
    missing = []
    for name, route in _routes():
        if name in PUBLIC | SKIPPED:
            continue
        response = client.get(_fill(route, url_values))
        if "no-store" not in response.get("Cache-Control", ""):
            missing.append((name, response.status_code, response.get("Cache-Control")))
    assert missing == []


def test_it_sends_no_store_on_files_and_partials(carol, url_values) -> None:  # noqa: F811
    client = Client()
    client.force_login(carol)
    responses = {
        "receipt": client.get(reverse("payments:receipt_pdf", args=[url_values["payment_pk"]])),
        "csv": client.get("/payments/reports/journal/?format=csv"),
        "pdf": client.get("/payments/reports/journal/?format=pdf"),
        "partial": client.get(f"/accounts/{url_values['pk']}/", headers={"HX-Request": "true"}),
        "admin": client.get("/admin/"),
    }
    assert responses["csv"]["Content-Type"].startswith("text/csv")
    assert responses["pdf"]["Content-Type"] == responses["receipt"]["Content-Type"]
    assert responses["pdf"]["Content-Type"] == "application/pdf"
    for kind, response in responses.items():
        assert "no-store" in response["Cache-Control"], kind
