"""The bill-run pages: start a run, read its proof register, post it with its total
confirmed; the clerk reads but is refused starting and posting."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client

from billing.models import BillRun

from .bill_helpers import BILL_DATE, END, START, accounts, cycle

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _token(response) -> str:
    return response.context["token"]


def test_it_runs_a_cycle_from_the_pages(client: Client, bob, business_day):
    accounts(bob, 2)
    client.force_login(bob)
    response = client.post(
        "/billing/runs/",
        {"cycle": cycle().pk, "period_start": START, "period_end": END, "bill_date": BILL_DATE},
    )
    run = BillRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/billing/runs/{run.pk}/"
    page = client.get(f"/billing/runs/{run.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "$102.50" in body and "In review" in body
    bill = run.bills.first()
    assert "Water use" in client.get(f"/billing/bills/{bill.pk}/").content.decode()
    refused = client.post(
        f"/billing/runs/{run.pk}/", {"token": _token(page), "confirmed_total": "100.00"}
    )
    assert refused.status_code == 200 and "102.50" in refused.content.decode()
    run.refresh_from_db()
    assert run.status == "review"
    done = client.post(
        f"/billing/runs/{run.pk}/",
        {"token": _token(refused), "confirmed_total": "102.50"},
    )
    assert done.status_code == 302
    run.refresh_from_db()
    assert run.status == "posted"
    assert sum(b.amount_due.amount for b in run.bills.all()) == D("102.50")


def test_it_refuses_the_clerk_starting_or_posting_a_run(client: Client, alice, bob, business_day):
    accounts(bob, 1)
    client.force_login(alice)
    assert client.get("/billing/runs/").status_code == 200
    started = client.post(
        "/billing/runs/",
        {"cycle": cycle().pk, "period_start": START, "period_end": END, "bill_date": BILL_DATE},
    )
    assert started.status_code == 403
    assert not BillRun.objects.exists()
