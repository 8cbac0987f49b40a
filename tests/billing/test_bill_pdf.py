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


def test_it_prints_the_usage_history_messages_and_a_barcode_of_the_scanline(
    bob, carol, business_day, monkeypatch
):
    from datetime import date

    from billing.bill_messages import _SOURCES, bill_messages
    from billing.bills import runs
    from billing_site.common.tasks import run_long_task
    from ledger import services as ledger

    from .barcode_reader import bars_in_pdf, decode_bars
    from .bill_helpers import cycle, read

    (account,) = accounts(bob, 1)
    from billing.models import Meter

    meter = Meter.objects.get(number="M-C1-0")
    read(bob, meter, date(2026, 8, 31), "1000")  # September: 4,000 gallons
    september = runs.bill_run_start(
        cycle=cycle(), period_start=date(2026, 9, 1), period_end=date(2026, 9, 30),
        bill_date=date(2026, 10, 2), acting_user=bob,
    )  # fmt: skip
    run_long_task(task=runs.bill_run_long_task(september, runs.CALCULATE_TASK))
    september.refresh_from_db()
    posted(bob, september)
    monkeypatch.setitem(
        _SOURCES,
        "tests.installments",
        lambda ids, on: {ids[0]: ["A payment plan installment of $25.00 is due Nov 30."]},
    )
    run = calculated(bob)
    run.message = "Water main flushing on Elm St in November."
    run.save(update_fields=["message"])
    posted(bob, run)
    bill = run.bills.get()
    data = bill_pdf(bill=bill, acting_user=bob)
    page = PdfReader(io.BytesIO(data)).pages[0]
    text = page.extract_text()
    assert "Sep 26" in text and "4,000" in text and "Oct 26" in text and "12,000" in text
    assert "Oct 25" in text  # thirteen months, the oldest without a bill
    assert "Water main flushing" in text and "installment of $25.00" in text
    (line,) = re.findall(r"\b\d{29}\b", text)
    assert parse_scanline(line) is not None
    assert decode_bars(bars_in_pdf(page.get_contents().get_data())) == line

    ledger.deposit_take(account=account, amount=D("75.00"), memo="Deposit", acting_user=bob)
    ledger.deposit_refund(account=account, memo="Deposit back", acting_user=carol)
    said = bill_messages(account_ids=[account.pk], bill_date=date(2026, 11, 30))
    assert "Your deposit of $75.00 was refunded on Nov 23, 2026." in said[account.pk]
