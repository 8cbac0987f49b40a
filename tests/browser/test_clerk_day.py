"""A counter clerk's whole day in Chromium, then the supervisor's closeout.

Open a drawer; find accounts by typing and by a scanned stub; cash with change,
a check, a card, one payment split over two accounts; a reprint; a void by a
supervisor; close the drawer short; the closeout's deposit slips and closed day.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from billing_site.common import roles
from ledger import services as ledger
from ledger.models import BusinessDay
from payments.models import Deposit, Drawer, Payment
from tests.browser.conftest import sign_in
from tests.factories import make_account, make_customer, make_user, service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def pdf_text(page: Page, url: str, **form: str) -> str:
    """The PDF at ``url``: a GET, or with ``form`` a POST (an explicit Print)."""
    if form:
        csrf = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        body = page.request.post(url, form=form, headers={"X-CSRFToken": csrf or ""}).body()
    else:
        body = page.request.get(url).body()
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)


def post_payment(page: Page, base: str, rows: list[tuple[str, str]], **tenders: str) -> str:
    page.goto(f"{base}/payments/take/")
    for i, (account, amount) in enumerate(rows):
        page.fill(f"#id_account_{i}", account)
        page.press(f"#id_account_{i}", "Enter")
        expect(page.locator(f"#lookup-{i} .pay-account-card")).to_be_visible()
        page.fill(f"#id_amount_{i}", amount)
    for field, value in tenders.items():
        if field == "card_brand":
            page.select_option("#id_card_brand", value)
        else:
            page.fill(f"#id_{field}", value)
    page.press("#id_payer", "Enter")
    page.wait_for_url("**/payments/receipts/*/")
    return page.url


def test_a_clerks_day_and_the_closeout(live_server, browser) -> None:
    clerk = make_user("alice", roles.CLERK)
    coordinator = make_user("bob", roles.COORDINATOR)
    supervisor = make_user("carol", roles.SUPERVISOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    thornbury = make_account(
        coordinator, customer=make_customer(coordinator, last_name="Thornbury")
    )
    second = make_account(coordinator)
    third = make_account(coordinator)
    for account in (thornbury, second, third):
        ledger.post_charges(
            account=account,
            charges=[(service("WATER"), D("40.00"))],
            memo="Bill",
            acting_user=coordinator,
        )
    base = live_server.url
    page = browser.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "favicon" not in m.location.get("url", "")
            else None
        ),
    )
    sign_in(page, base, clerk.username)

    # Open the drawer with a $100 float.
    page.goto(f"{base}/payments/")
    page.fill("#id_d20", "5")
    expect(page.locator("[data-count-total]")).to_have_text("$100.00")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/payments/take/")

    # Find an account by typing a name, pick it, pay cash with change.
    page.fill("#id_account_0", "Thornbury")
    page.locator("[data-pay-pick]").first.click()
    expect(page.locator("#lookup-0 .pay-account-card")).to_contain_text("40.00")
    expect(page.locator("#id_amount_0")).to_have_value("40.00")
    page.fill("#id_cash_amount", "50")
    expect(page.locator("[data-total-change]")).to_have_text("$10.00")
    page.press("#id_cash_amount", "Enter")
    page.wait_for_url("**/payments/receipts/*/")
    expect(page.locator("#change-due")).to_contain_text("$10.00")

    # A scanned stub (account|amount then Enter) paid by check.
    page.goto(f"{base}/payments/take/")
    page.type("#id_account_0", f"{second.number}|25.00")
    page.press("#id_account_0", "Enter")
    expect(page.locator("#id_amount_0")).to_have_value("25.00")
    expect(page.locator("#lookup-0 .pay-account-card")).to_be_visible()
    page.fill("#id_check_amount", "25.00")
    page.fill("#id_check_number", "1042")
    page.press("#id_check_number", "Enter")
    page.wait_for_url("**/payments/receipts/*/")

    # A card payment, then one payment split across two accounts.
    post_payment(
        page,
        base,
        [(third.number, "15.00")],
        card_amount="15.00",
        card_brand="visa",
        card_last4="4242",
        card_auth="A1B2C3",
    )
    split = post_payment(
        page, base, [(second.number, "15.00"), (third.number, "25.00")], cash_amount="40.00"
    )
    split_payment = Payment.objects.get(pk=int(split.rstrip("/").split("/")[-1]))
    assert split_payment.lines.count() == 2

    # A preview uses nothing up; Print, then a reprint that says COPY.
    receipt_pdf = f"{base}/payments/receipts/{split_payment.pk}/pdf/"
    assert "PREVIEW" in pdf_text(page, receipt_pdf)
    assert "COPY" not in pdf_text(page, receipt_pdf, size="letter")
    reprint = pdf_text(page, receipt_pdf, size="80mm")
    assert "COPY" in reprint and split_payment.receipt_label in reprint and "40.00" in reprint

    # The supervisor voids the card payment.
    card_payment = Payment.objects.get(tenders__kind="card")
    sup = browser.new_page()
    sign_in(sup, base, supervisor.username)
    sup.goto(f"{base}/payments/receipts/{card_payment.pk}/")
    sup.fill("#id_reason", "Customer paid twice")
    sup.click("#void-payment")
    expect(sup.locator("#receipt-status")).to_have_text("Void")

    # Close the drawer $1.00 short: expected cash 100 + 50 - 10 + 40 = 180.
    page.goto(f"{base}/payments/drawer/close/")
    page.fill("#id_d100", "1")
    page.fill("#id_d50", "1")
    page.fill("#id_d20", "1")
    page.fill("#id_d5", "1")
    page.fill("#id_d1", "4")
    page.fill("#id_checks", "1042 25.00")
    page.click("#review-count")
    expect(page.locator("#review-over-short")).to_contain_text("$1.00 short")
    page.click("#close-drawer")
    expect(page.locator("#over-short")).to_contain_text("-$1.00")
    assert Drawer.objects.get().over_short.amount == D("-1.00")

    # The supervisor's closeout: deposit slips and the closed day.
    sup.goto(f"{base}/payments/closeout/")
    sup.click("#run-closeout")
    sup.click("#confirm-closeout")
    sup.wait_for_url("**/payments/closeout/*/")
    assert BusinessDay.objects.get(date=dt.date(2026, 11, 23)).status == "closed"
    slips = {d.label: d for d in Deposit.objects.all()}
    utility = slips["Utility receipts"]
    # 80.00 of cash receipts less the drawer's 1.00 shortage: the bag holds what was counted.
    assert (utility.cash.amount, utility.checks.amount) == (D("79.00"), D("25.00"))
    href = sup.locator("[data-deposit-slip]").first.get_attribute("href")
    text = pdf_text(sup, f"{base}{href}")
    assert "Deposit slip" in text and "104.00" in text and "1042" in text
    assert not errors
