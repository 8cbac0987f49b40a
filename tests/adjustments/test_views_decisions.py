"""Requests and decisions through the pages: one posting per form, outcomes shown."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse

from adjustments import services
from adjustments.choices import Direction, RequestStatus
from adjustments.models import AdjustmentRequest
from ledger.models import JournalTransaction
from tests.factories import make_account, service

from .helpers import balance, charge

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(account, bob, business_day):
    charge(account, bob, WATER="80.00", SEWER="40.00")
    return account


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _request(account, by, reason, amount="30.00"):
    return services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=reason,
        amounts=[(service("WATER"), D(amount))],
        memo="Leak",
        acting_user=by,
    )


def test_a_clerk_requests_and_a_double_click_makes_one_request(alice, billed, leak):
    client = _login(alice)
    url = reverse("adjustments:new") + f"?account={billed.number}"
    page = client.get(url)
    assert f'value="{billed.number}"' in page.content.decode()
    data = {
        "token": page.context["token"],
        "account": billed.number,
        "direction": "credit",
        "reason": leak.pk,
        "amount_WATER": "30.00",
        "amount_SEWER": "15.00",
        "memo": "Leak repaired",
    }
    first = client.post(url, data)
    second = client.post(url, data)
    req = AdjustmentRequest.objects.get()
    assert first["Location"] == second["Location"] == reverse("adjustments:detail", args=[req.pk])
    assert req.amount.amount == D("45.00")
    assert [ln.amount.amount for ln in req.lines.all()] == [D("30.00"), D("15.00")]
    mine = client.get(reverse("adjustments:mine")).content.decode()
    assert f">{req.number}<" in mine and "Waiting for approval" in mine


def test_a_coordinator_approves_once_even_when_the_form_is_sent_twice(alice, bob, billed, leak):
    req = _request(billed, alice, leak)
    client = _login(bob)
    page = client.get(reverse("adjustments:detail", args=[req.pk]))
    assert "Approve and post" in page.content.decode()
    data = {"token": page.context["decide_token"], "reason": ""}
    client.post(reverse("adjustments:approve", args=[req.pk]), data)
    replay = client.post(reverse("adjustments:approve", args=[req.pk]), data)
    assert replay.status_code == 302
    assert JournalTransaction.objects.filter(kind="adjustment").count() == 1
    assert balance(billed) == D("90.00")


def test_the_requester_sees_the_outcome(alice, bob, billed, leak):
    req = _request(billed, alice, leak)
    services.request_reject(adjustment_request=req, reason="Meter shows no leak", acting_user=bob)
    client = _login(alice)
    mine = client.get(reverse("adjustments:mine")).content.decode()
    assert "Rejected" in mine and "Meter shows no leak" in mine
    detail = client.get(reverse("adjustments:detail", args=[req.pk])).content.decode()
    assert "Meter shows no leak" in detail
    assert "Approve and post" not in detail


def test_a_rejection_without_a_reason_is_shown_next_to_the_reason(alice, bob, billed, leak):
    req = _request(billed, alice, leak)
    client = _login(bob)
    token = client.get(reverse("adjustments:detail", args=[req.pk])).context["decide_token"]
    response = client.post(reverse("adjustments:reject", args=[req.pk]), {"token": token})
    assert response.status_code == 200
    assert response.context["decision_form"].errors["reason"] == [
        "Say why the request is rejected."
    ]
    assert 'id="id_reason_error"' in response.content.decode()
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING
    # The same form, now with a reason, goes through.
    client.post(
        reverse("adjustments:reject", args=[req.pk]), {"token": token, "reason": "Duplicate"}
    )
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.REJECTED


def test_a_coordinator_over_the_limit_is_told_who_must_approve(alice, bob, carol, billed, leak):
    charge(billed, bob, WATER="600.00")
    req = _request(billed, alice, leak, amount="650.00")
    client = _login(bob)
    page = client.get(reverse("adjustments:detail", args=[req.pk])).content.decode()
    assert "your approval limit is $500.00" in page
    assert "Approve and post" not in page
    token = client.get(reverse("adjustments:detail", args=[req.pk])).context["decide_token"]
    response = client.post(reverse("adjustments:approve", args=[req.pk]), {"token": token})
    assert "your approval limit is $500.00" in response.content.decode()
    assert not JournalTransaction.objects.filter(kind="adjustment").exists()
    queue = _login(carol).get(reverse("adjustments:queue")).content.decode()
    assert f">{req.number}<" in queue and "Review" in queue


def test_the_approver_cannot_approve_their_own_request_on_the_page(bob, billed, leak):
    req = _request(billed, bob, leak)
    page = _login(bob).get(reverse("adjustments:detail", args=[req.pk])).content.decode()
    assert "Nobody approves their own request" in page
    assert "Approve and post" not in page


def test_a_supervisor_reverses_a_posting_with_a_reason(alice, bob, carol, billed, leak):
    req = services.request_approve(
        adjustment_request=_request(billed, alice, leak), acting_user=bob
    )
    client = _login(carol)
    url = reverse("adjustments:reverse", args=[req.pk])
    page = client.get(url)
    refused = client.post(url, {"token": page.context["token"], "reason": ""})
    assert refused.context["form"].errors["reason"] == ["Say why the posting is reversed."]
    client.post(url, {"token": page.context["token"], "reason": "Keyed on the wrong account"})
    client.post(url, {"token": page.context["token"], "reason": "Keyed on the wrong account"})
    assert JournalTransaction.objects.filter(kind="reversal").count() == 1
    assert balance(billed) == D("120.00")


def test_a_coordinator_requests_a_consolidation_from_the_master_view(alice, bob, carol):
    from ledger.models import BusinessDay

    BusinessDay.objects.create(date="2026-11-23")
    master = make_account(bob, is_master=True)
    subs = [make_account(bob, master=master) for _ in range(2)]
    charge(subs[0], bob, WATER="10.00")
    charge(subs[1], bob, SEWER="20.00")
    client = _login(bob)
    url = reverse("adjustments:consolidation", args=[master.pk])
    page = client.get(url)
    html = page.content.decode()
    assert subs[0].number in html and "$30.00" in html  # total of the sub-accounts
    client.post(url, {"token": page.context["token"], "memo": "November"})
    req = AdjustmentRequest.objects.get(kind="consolidation")
    assert req.amount.amount == D("30.00")
    again = client.get(url).content.decode()
    assert "is waiting for approval" in again
    services.request_approve(adjustment_request=req, acting_user=carol)
    assert balance(master) == D("30.00")


def test_the_transfer_page_sends_a_transfer_for_approval(alice, bob, billed):
    other = make_account(bob, customer=billed.customer)
    client = _login(alice)
    url = reverse("adjustments:transfer")
    token = client.get(url).context["token"]
    response = client.post(
        url,
        {
            "token": token,
            "account": billed.number,
            "to_account": other.number,
            "transfer_of": "balance",
            "amount": "120.00",
            "memo": "Moved house",
        },
    )
    req = AdjustmentRequest.objects.get()
    assert response["Location"] == reverse("adjustments:detail", args=[req.pk])
    assert req.kind == "transfer" and req.to_account_id == other.pk
    assert other.notes.filter(text__contains=f"request {req.number}").exists()


def test_it_reads_the_approvers_limit_once_for_the_whole_queue(alice, carol, billed, leak):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _login(carol)
    _request(billed, alice, leak, "1.00")
    client.get(reverse("adjustments:queue"))  # the first page after sign-in renews the session
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(reverse("adjustments:queue")).status_code == 200
    for _ in range(4):
        _request(billed, alice, leak, "1.00")
    with CaptureQueriesContext(connection) as five_rows:
        page = client.get(reverse("adjustments:queue"))
    assert len(page.context["rows"]) == 5
    assert all(may for _req, may in page.context["rows"])
    assert len(five_rows) == len(one_row)


def test_the_master_view_costs_the_same_queries_for_two_subs_or_eight(bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ledger.models import BusinessDay

    BusinessDay.objects.create(date="2026-11-23")
    client = _login(bob)

    def page_queries(subs: int) -> int:
        master = make_account(bob, is_master=True)
        for n in range(subs):
            sub = make_account(bob, master=master)
            charge(sub, bob, WATER=f"{10 + n}.00", SEWER="5.00")
        url = reverse("adjustments:consolidation", args=[master.pk])
        client.get(url)  # warm the per-process caches (chart, permissions)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert page_queries(2) == page_queries(8)
