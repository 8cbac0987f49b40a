"""One-time tokens bound to their form and object, over HTTP (issue 9 item 11).

A token sent again with the same content is a replay: it goes where the first
submission went. Sent with other content (another account or amount, or the
void form of receipt A posted to receipt B) it is refused, nothing is posted,
and the form comes back with a fresh token.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from adjustments import services as adjustment_services
from adjustments.choices import Direction, RequestStatus
from adjustments.models import AdjustmentReason, AdjustmentRequest
from payments.choices import DrawerStatus, PaymentStatus
from payments.models import Drawer, Payment
from tests.factories import make_account, make_user, service
from tests.payments.helpers import balance, charge, open_drawer, pay

D = Decimal
REUSED = "This form was already sent with different details; nothing was posted."
pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


@pytest.fixture
def clerk(alice: User, business_day) -> Client:
    open_drawer(alice)
    return _client(alice)


def test_it_refuses_a_payment_token_sent_again_with_another_account(clerk, bob, account) -> None:
    other = make_account(bob)
    url = reverse("payments:take")
    token = _token(clerk.get(url).content.decode())
    first = clerk.post(
        url, {"token": token, "account_0": account.number, "amount_0": "10", "cash_amount": "10"}
    )
    assert first.status_code == 302

    again = clerk.post(
        url, {"token": token, "account_0": other.number, "amount_0": "25", "cash_amount": "25"}
    )

    html = again.content.decode()
    assert again.status_code == 400
    assert REUSED in html
    assert Payment.objects.count() == 1
    assert balance(other) == D("0.00") and balance(account) == D("-10.00")
    assert _token(html) != token  # the form comes back with a fresh token ...
    assert other.number in html  # ... and what was typed
    resent = clerk.post(
        url,
        {"token": _token(html), "account_0": other.number, "amount_0": "25", "cash_amount": "25"},
    )
    assert resent.status_code == 302 and resent.headers["Location"] != first.headers["Location"]
    assert balance(other) == D("-25.00")


def test_it_answers_the_same_payment_sent_again_with_the_first_receipt(clerk, account) -> None:
    url = reverse("payments:take")
    data = {
        "token": _token(clerk.get(url).content.decode()),
        "account_0": account.number,
        "amount_0": "10",
        "cash_amount": "20",
    }
    first = clerk.post(url, data)
    again = clerk.post(url, dict(reversed(list(data.items()))))  # the same fields, other order
    assert first.headers["Location"] == again.headers["Location"]
    assert Payment.objects.count() == 1


def test_it_refuses_the_void_token_of_one_receipt_on_another(alice, carol, clerk, account) -> None:
    drawer = Drawer.objects.get(clerk=alice, status=DrawerStatus.OPEN)  # opened by ``clerk``
    receipt_a = pay(alice, drawer, account, "10.00")
    receipt_b = pay(alice, drawer, account, "20.00")
    supervisor = _client(carol)
    token = _token(
        supervisor.get(reverse("payments:receipt", args=[receipt_a.pk])).content.decode()
    )
    voided = supervisor.post(
        reverse("payments:void", args=[receipt_a.pk]), {"token": token, "reason": "Wrong account"}
    )
    assert voided.status_code == 302

    refused = supervisor.post(
        reverse("payments:void", args=[receipt_b.pk]), {"token": token, "reason": "Wrong account"}
    )

    assert refused.status_code == 400
    assert REUSED in refused.content.decode()
    assert Payment.objects.get(pk=receipt_b.pk).status == PaymentStatus.POSTED
    assert Payment.objects.get(pk=receipt_a.pk).status == PaymentStatus.VOID
    assert balance(account) == D("-20.00")


def test_it_refuses_a_token_sent_by_someone_it_was_not_issued_to(clerk, account) -> None:
    other_clerk = make_user("olive", "Clerk")
    open_drawer(other_clerk)
    url = reverse("payments:take")
    token = _token(clerk.get(url).content.decode())  # alice's form

    response = _client(other_clerk).post(
        url, {"token": token, "account_0": account.number, "amount_0": "10", "cash_amount": "10"}
    )

    assert response.status_code == 400
    assert "not issued to you" in response.content.decode()
    assert not Payment.objects.exists()


def test_it_refuses_a_rejection_sent_with_the_token_of_an_approval(
    alice, bob, carol, account, business_day
) -> None:
    charge(account, bob, water="100.00")
    request = adjustment_services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=AdjustmentReason.objects.get(code="LEAK"),
        amounts=[(service("WATER"), D("5.00"))],
        memo="Leak at the meter pit",
        acting_user=alice,
    )
    supervisor = _client(carol)
    detail = supervisor.get(reverse("adjustments:detail", args=[request.pk])).content.decode()
    data = {"token": _token(detail), "reason": "Checked the meter photos"}
    approved = supervisor.post(reverse("adjustments:approve", args=[request.pk]), data)
    assert approved.status_code == 302

    rejected = supervisor.post(reverse("adjustments:reject", args=[request.pk]), data)

    assert REUSED in rejected.content.decode()
    assert AdjustmentRequest.objects.get(pk=request.pk).status == RequestStatus.POSTED
