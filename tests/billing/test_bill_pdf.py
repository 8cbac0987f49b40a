"""The bill PDF read back: amounts, due date, and the stub's scanline with a valid
check digit; a posted bill's reprint is the same bytes; a draft is marked DRAFT."""

from __future__ import annotations

import io
import re
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from billing.bill_pdf import bill_pdf
from billing.scanline import parse_scanline
from billing_site.common.models import Document

from .bill_helpers import accounts, calculated, posted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_it_prints_the_bill_with_its_stub_and_scanline(bob, business_day):
    (account,) = accounts(bob, 1)
    run = posted(bob, calculated(bob))
    bill = run.bills.get()
    data = bill_pdf(bill=bill, acting_user=bob)
    text = _text(data)
    assert "$49.70" in text and "$12.50" in text and "$37.20" in text
    assert bill.due_date.strftime("%b %-d, %Y") in text
    assert account.number in text and str(bill.number) in text
    (line,) = re.findall(r"\b\d{29}\b", text)
    scanned = parse_scanline(line)
    assert scanned is not None  # a valid check digit
    assert (scanned.account_number, scanned.amount_due, scanned.due_date) == (
        account.number, D("49.70"), bill.due_date,
    )  # fmt: skip
    assert "DRAFT" not in text
    assert bill_pdf(bill=bill, acting_user=bob) == data  # a reprint is identical
    assert Document.objects.filter(kind="billing.bill").count() == 1


def test_it_marks_a_draft_and_stores_nothing(client, bob, erin, business_day):
    accounts(bob, 1)
    bill = calculated(bob).bills.get()
    client.force_login(erin)  # the auditor reads bills
    response = client.get(f"/billing/bills/{bill.pk}/bill.pdf")
    assert response.status_code == 200
    assert "DRAFT" in _text(response.content)
    assert not Document.objects.exists()


def test_it_refuses_the_bill_pdf_to_a_field_technician(client, bob, dave, business_day):
    accounts(bob, 1)
    bill = calculated(bob).bills.get()
    client.force_login(dave)
    assert client.get(f"/billing/bills/{bill.pk}/bill.pdf").status_code == 403
