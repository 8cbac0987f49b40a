"""The counter's stub scanner types a bill's scanline: the lookup finds the account and
offers the amount the stub asks for; someone without the counter is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from django.urls import reverse

from billing.scanline import scanline


def test_it_fills_the_account_and_amount_due_from_a_scanned_stub(client, alice, account):
    line = scanline(
        account_number=account.number, amount_due=D("49.70"), due_date=date(2026, 11, 24)
    )
    client.force_login(alice)
    response = client.get(reverse("payments:lookup"), {"row": 0, "account_0": line})
    body = response.content.decode()
    assert response.status_code == 200
    assert account.number in body
    assert 'data-pay-due="49.70"' in body


def test_it_refuses_the_lookup_to_a_field_technician(client, dave, account):
    line = scanline(
        account_number=account.number, amount_due=D("1.00"), due_date=date(2026, 11, 24)
    )
    client.force_login(dave)
    assert client.get(reverse("payments:lookup"), {"row": 0, "account_0": line}).status_code == 403
