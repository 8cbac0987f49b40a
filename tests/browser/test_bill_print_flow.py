"""In Chromium: a coordinator runs a cycle from Calculate to Print (the combined PDF and
the export file downloaded from the run's page); then a clerk scans a printed bill's
stub: the barcode's content, read back from the print shop's PDF, typed by the scanner
with Enter into the payment screen, fills the account and the amount due, and pays it.

Runs against the live test server with real transactions (the tasks run at commit with
the test settings' immediate backend; the bills are laid out by the render workers).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.models import BillRun
from billing.scanline import parse_scanline
from billing_site.common import roles
from ledger.models import BusinessDay
from payments import services as payments
from payments.models import Payment
from tests.billing.barcode_reader import bars_in_pdf, decode_bars
from tests.billing.bill_helpers import BILL_DATE, END, START, accounts
from tests.browser.conftest import expect_focus, sign_in
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_coordinator_runs_a_cycle_to_print_and_a_clerk_pays_a_scanned_stub(live_server, browser):
    bob = make_user("bob", roles.COORDINATOR)
    alice = make_user("alice", roles.CLERK)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=bob)
    first, second = accounts(bob, 2)  # $49.70 and $52.80
    base = live_server.url
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "favicon" not in m.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, base, bob.username)

    page.goto(f"{base}/billing/runs/")
    page.select_option("#id_cycle", index=1)  # C1, the only cycle
    page.fill("#id_period_start", f"{START:%Y-%m-%d}")
    page.fill("#id_period_end", f"{END:%Y-%m-%d}")
    page.fill("#id_bill_date", f"{BILL_DATE:%Y-%m-%d}")
    page.fill("#id_message", "Water main flushing on Elm St in November.")
    page.get_by_role("button", name="Calculate the bills").click()
    expect(page.locator("#run-status")).to_have_text("In review")
    expect(page.locator("#run-total")).to_have_text("$102.50")

    page.fill("#id_confirmed_total", "102.50")
    page.get_by_role("button", name="Post the run").click()
    expect(page.locator("#run-status")).to_have_text("Posted")
    page.get_by_role("button", name="Print the bills").click()
    expect(page.locator("#print-stage [data-task-status]")).to_have_attribute(
        "data-task-status", "done", timeout=60_000
    )
    page.reload()
    expect(page.locator("#run-printed")).to_contain_text("bob")
    pdf_link = page.get_by_role("link", name="Combined PDF for the print shop")
    combined = page.request.get(base + (pdf_link.get_attribute("href") or "")).body()
    printed = PdfReader(io.BytesIO(combined)).pages
    assert len(printed) == 2
    assert "Water main flushing" in printed[0].extract_text()
    export_link = page.get_by_role("link", name="Bill-print export (CSV) for a mailing vendor")
    export = page.request.get(base + (export_link.get_attribute("href") or "")).text()
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [r["amount_due"] for r in rows] == ["49.70", "52.80", "102.50"]
    run = BillRun.objects.get()
    assert run.printed_at is not None

    # The clerk scans the first bill's stub: the scanner types the barcode, then Enter.
    scanned = decode_bars(bars_in_pdf(printed[0].get_contents().get_data()))
    stub = parse_scanline(scanned)
    assert stub is not None and stub.account_number == first.number
    assert stub.amount_due == D("49.70")
    payments.drawer_open(counts={"d20": 5}, acting_user=alice)
    clerk = browser.new_page()
    clerk.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(clerk, base, alice.username)
    clerk.goto(f"{base}/payments/take/")
    expect_focus(clerk.locator("#id_account_0"))
    clerk.keyboard.type(scanned)
    clerk.keyboard.press("Enter")
    expect(clerk.locator("#lookup-0 .pay-account-card")).to_contain_text(first.number)
    expect(clerk.locator("#id_amount_0")).to_have_value("49.70")
    clerk.fill("#id_cash_amount", "50.00")
    clerk.press("#id_cash_amount", "Enter")
    expect(clerk.locator("#change-due")).to_contain_text("$0.30")
    payment = Payment.objects.get(lines__account=first)
    assert payment.lines.get().amount.amount == D("49.70")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.balance.amount == D("0.00") and second.balance.amount == D("52.80")
    assert not problems, problems
