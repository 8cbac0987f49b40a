"""The payment screen posts by htmx: two payments in a row by keyboard, no page load.

After each payment the screen shows the receipt above a fresh form; the URL is
the receipt's, so a refresh shows that receipt and Print prints it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import Page, expect

from billing_site.common import roles
from ledger import services as ledger
from ledger.models import BusinessDay
from payments import services as payments
from payments.models import Payment
from tests.browser.conftest import expect_focus, sign_in
from tests.factories import make_account, make_user, service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def pay_by_keyboard(page: Page, number: str, cash: str) -> None:
    """Type the account, Enter (the amount due is filled in), Tab to cash, type, Enter."""
    expect_focus(page.locator("#id_account_0"))
    page.keyboard.type(number)
    page.keyboard.press("Enter")
    expect_focus(page.locator("#id_amount_0"))
    expect(page.locator("#lookup-0 .pay-account-card")).to_be_visible()
    expect(page.locator("#id_amount_0")).not_to_have_value("")
    for _ in range(7):  # the three empty account rows, then cash
        page.keyboard.press("Tab")
    expect_focus(page.locator("#id_cash_amount"))
    page.keyboard.type(cash)
    page.keyboard.press("Enter")


def test_it_posts_two_payments_by_keyboard_without_a_page_load(live_server, browser) -> None:
    clerk = make_user("alice", roles.CLERK)
    coordinator = make_user("bob", roles.COORDINATOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    first, second = make_account(coordinator), make_account(coordinator)
    for account, owed in ((first, "40.00"), (second, "12.50")):
        ledger.post_charges(
            account=account,
            charges=[(service("WATER"), D(owed))],
            memo="Bill",
            acting_user=coordinator,
        )
    payments.drawer_open(counts={"d20": 5}, acting_user=clerk)
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
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, base, clerk.username)
    page.goto(f"{base}/payments/take/")
    page.evaluate("window.sameDocument = true")  # lost on any full page load

    pay_by_keyboard(page, first.number, "50")
    expect(page.locator("#receipt-panel")).to_be_visible()
    one = Payment.objects.get(lines__account=first)
    expect(page.locator("#receipt-panel")).to_contain_text(one.receipt_label)
    expect(page.locator("#change-due")).to_have_text("Change due: $10.00")
    page.wait_for_url(f"**/payments/receipts/{one.pk}/")

    pay_by_keyboard(page, second.number, "12.50")
    expect(page.locator("#receipt-panel")).not_to_contain_text(one.receipt_label)
    two = Payment.objects.get(lines__account=second)
    expect(page.locator("#receipt-panel")).to_contain_text(two.receipt_label)
    page.wait_for_url(f"**/payments/receipts/{two.pk}/")
    assert page.evaluate("window.sameDocument === true")
    assert Payment.objects.count() == 2

    page.reload()  # a refresh shows the receipt the URL names
    expect(page.locator("h1")).to_contain_text(two.receipt_label)
    page.click("#print-receipt")  # a POST: the original, and the print dialog opens
    expect(page.locator(".receipt [data-receipt-number]")).to_have_text(two.receipt_label)
    expect(page.locator(".receipt")).not_to_contain_text("COPY")
    assert Payment.objects.get(pk=two.pk).prints == 1
    assert not errors
