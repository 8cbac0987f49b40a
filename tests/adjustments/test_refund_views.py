"""Refund pages over HTTP: the request form, the decision, the desk and its count, the
accounts-payable export, the register (PDF read back with pypdf, CSV) and the account page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from adjustments.choices import RefundStatus
from adjustments.models import Refund, RefundExport
from adjustments.refunds import export, requests
from billing_site.common.idempotency import issue_token
from tests.adjustments.helpers import balance
from tests.adjustments.refund_helpers import account_with_credit, request_refund

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_day(business_day: Any) -> None:
    """Every refund posts into the open business day."""


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(account: Any, **typed: str) -> dict[str, str]:
    return {
        "account": account.number,
        "amount": "30.00",
        "payee": "customer",
        "payee_name": "",
        "payee_line1": "",
        "payee_line2": "",
        "payee_city": "",
        "payee_state": "",
        "payee_zip": "",
        "memo": "Overpaid the final bill",
        **typed,
    }


def _post_new(client: Client, user: Any, data: dict[str, str], token: str = "") -> Any:
    token = token or issue_token(user_id=user.pk, purpose="adjustments.refund")
    return client.post(reverse("adjustments:refund_new"), {**data, "token": token})


def test_it_prefills_the_form_from_the_account_page(bob) -> None:
    account = account_with_credit(bob, "30.00")
    page = _client(bob).get(reverse("adjustments:refund_new") + f"?account={account.number}")
    form = page.context["form"]
    assert form.initial["amount"] == "30.00"
    assert form.initial["payee_line1"] == account.customer.mailing_line1


def test_it_requests_a_refund_once_however_often_it_is_sent(bob) -> None:
    account = account_with_credit(bob)
    client = _client(bob)
    token = issue_token(user_id=bob.pk, purpose="adjustments.refund")
    first = _post_new(client, bob, _form(account), token)
    again = _post_new(client, bob, _form(account), token)
    refund = Refund.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("adjustments:refund", args=[refund.pk])
    assert refund.payee_line1 == account.customer.mailing_line1
    assert refund.requested_by == bob


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"amount": "30.01"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "99999999999999"}, "amount"),
        ({"memo": "card 4111 1111 1111 1111"}, "memo"),
        ({"payee": "other"}, "payee_name"),
    ],
)
def test_it_refuses_bad_input_next_to_the_field_and_keeps_the_rest(bob, typed, field) -> None:
    account = account_with_credit(bob)
    page = _post_new(_client(bob), bob, _form(account, **typed))
    assert page.status_code == 200
    form = page.context["form"]
    assert field in form.errors
    assert form["account"].value() == account.number
    assert "4111" not in page.content.decode()
    assert not Refund.objects.exists()


def test_it_refuses_an_account_without_credit(bob) -> None:
    from tests.factories import make_account

    owing = make_account(bob)
    page = _post_new(_client(bob), bob, _form(owing, amount="5.00"))
    assert "no credit to refund" in page.context["form"].errors["amount"][0]


def test_it_refuses_the_form_to_a_clerk_and_an_auditor(alice, erin, bob) -> None:
    account = account_with_credit(bob)
    for user in (alice, erin):
        client = _client(user)
        assert client.get(reverse("adjustments:refund_new")).status_code == 403
        assert _post_new(client, user, _form(account)).status_code == 403
    assert not Refund.objects.exists()


def _decide(client: Client, user: Any, refund: Refund, verb: str, reason: str = "") -> Any:
    token = issue_token(user_id=user.pk, purpose=f"adjustments.refund.decide.{refund.pk}")
    url = reverse(f"adjustments:refund_{verb}", args=[refund.pk])
    return client.post(url, {"reason": reason, "token": token})


def test_a_supervisor_approves_and_the_account_page_shows_it(bob, carol) -> None:
    account = account_with_credit(bob)
    refund = request_refund(account, bob)
    response = _decide(_client(carol), carol, refund, "approve", "Checked")
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED and balance(account) == D("0.00")
    html = _client(bob).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert refund.label in html and "Refund" in html  # activity row and the refunds card
    assert f"Transaction #{refund.posting_id}" in html or f"#{refund.posting_id}" in html


def test_nobody_approves_their_own_and_a_coordinator_cannot(bob, carol) -> None:
    own = request_refund(account_with_credit(carol), carol)
    page = _decide(_client(carol), carol, own, "approve")
    assert "own request" in page.content.decode()
    assert _decide(_client(bob), bob, own, "approve").status_code == 403
    own.refresh_from_db()
    assert own.status == RefundStatus.PENDING


def test_a_rejection_needs_a_reason(bob, carol) -> None:
    refund = request_refund(account_with_credit(bob), bob)
    page = _decide(_client(carol), carol, refund, "reject", "")
    assert page.status_code == 200 and "Say why" in page.content.decode()
    assert _decide(_client(carol), carol, refund, "reject", "Keeps it").status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REJECTED


def test_the_desk_and_the_navigation_count_the_refunds_waiting(bob, carol, erin) -> None:
    request_refund(account_with_credit(bob), bob)
    request_refund(account_with_credit(bob), bob)
    html = _client(carol).get(reverse("adjustments:refunds")).content.decode()
    assert 'id="nav-refunds">Refunds <span class="badge">2</span>' in html
    assert html.count("Review</a>") == 2
    queue = _client(carol).get(reverse("adjustments:queue")).content.decode()
    assert "2 refunds waiting for approval" in queue
    assert "View only" in _client(erin).get(reverse("adjustments:refunds")).content.decode()


def test_the_desk_costs_the_same_queries_however_many_wait(
    bob, carol, django_assert_max_num_queries
) -> None:
    for _ in range(3):
        requests.refund_approve(
            refund=request_refund(account_with_credit(bob), bob), acting_user=carol
        )
        request_refund(account_with_credit(bob), bob)
    client = _client(carol)
    client.get(reverse("adjustments:refunds"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("adjustments:refunds")).status_code == 200


def test_it_exports_approved_refunds_once_and_gives_back_the_same_file(bob, carol) -> None:
    accounts = [account_with_credit(bob, "30.00"), account_with_credit(bob, "12.50")]
    refunds = [request_refund(accounts[0], bob, "30.00"), request_refund(accounts[1], bob, "12.50")]
    for refund in refunds:
        requests.refund_approve(refund=refund, acting_user=carol)
    client = _client(bob)

    def post() -> str:
        token = issue_token(user_id=bob.pk, purpose="adjustments.refund_export")
        url = reverse("adjustments:refund_export")
        return client.post(url, {"token": token}, follow=True).content.decode()

    assert "2 refunds, $42.50, marked exported" in post()
    made = RefundExport.objects.get()
    assert set(Refund.objects.values_list("export", flat=True)) == {made.pk}
    download = client.get(reverse("adjustments:refund_export_file", args=[made.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == export.COLUMNS
    assert [r[2] for r in rows[1:3]] == [refunds[0].label, refunds[1].label]
    assert rows[1][9] == "30.00" and rows[1][14] == "999-2300"
    assert rows[-1] == ["T", str(made.number), "2", "42.50"]

    assert "already exported: nothing new was made" in post()
    assert RefundExport.objects.count() == 1
    again = client.get(reverse("adjustments:refund_export_file", args=[made.pk])).content
    assert again == download.content
    history = Refund.history.filter(id=refunds[0].pk).first()
    assert history.history_user == bob and "Exported" in history.history_change_reason


def test_an_auditor_downloads_but_does_not_export(bob, carol, erin) -> None:
    requests.refund_approve(refund=request_refund(account_with_credit(bob), bob), acting_user=carol)
    made, _ = export.refunds_export(acting_user=bob)
    assert made is not None
    client = _client(erin)
    assert client.get(reverse("adjustments:refund_export_file", args=[made.pk])).status_code == 200
    assert client.post(reverse("adjustments:refund_export"), {}).status_code == 403


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_register_reads_back_from_its_pdf_and_csv(bob, carol, erin) -> None:
    approved = request_refund(
        account_with_credit(bob),
        bob,
        payee=requests.PayeeIn(
            "other", "Estate of Pat Payer", "9 Elm St", "", "Quincy", "FL", "32351"
        ),
    )
    approved = requests.refund_approve(refund=approved, acting_user=carol)
    waiting = request_refund(account_with_credit(bob, "7.25"), bob, "7.25")
    client = _client(erin)
    pdf = client.get(reverse("adjustments:refund_register") + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    assert "Refund register" in text and approved.label in text and waiting.label in text
    assert "Estate of Pat Payer" in text and "$37.25" in text
    sheet = client.get(reverse("adjustments:refund_register") + "?format=csv")
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[1][0] == approved.label and rows[1][6] == "30.00"
    assert rows[1][7] == "Approved and posted" and rows[1][11] == str(approved.posting_id)


def test_the_register_is_refused_to_a_clerk(alice) -> None:
    assert _client(alice).get(reverse("adjustments:refund_register")).status_code == 403


def test_a_final_account_asks_for_a_forwarding_address(bob) -> None:
    account = account_with_credit(bob)
    client = _client(bob)
    response = client.post(
        reverse("accounts:status", args=[account.pk]), {"to": "final", "reason": "Moved out"}
    )
    assert response["Location"] == reverse("accounts:forwarding", args=[account.pk])
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "data-forwarding-missing" in html and 'id="request-refund"' in html
    saved = client.post(
        reverse("accounts:forwarding", args=[account.pk]),
        {"line1": "12 New Rd", "line2": "", "city": "Quincy", "state": "fl", "zip_code": "32351"},
    )
    assert saved.status_code == 302
    account.refresh_from_db()
    assert account.forwarding_address() == "12 New Rd\nQuincy, FL 32351"
    assert account.history.first().history_change_reason == "Forwarding address set"
    assert account.history.first().history_user == bob
    form = client.get(reverse("adjustments:refund_new") + f"?account={account.number}")
    assert form.context["form"].initial["payee_line1"] == "12 New Rd"


def test_the_forwarding_address_is_refused_to_a_clerk(alice, bob) -> None:
    account = account_with_credit(bob)
    assert _client(alice).get(reverse("accounts:forwarding", args=[account.pk])).status_code == 403
