"""In Chromium: a coordinator sets up a payment plan from the account page and prints the
agreement; a clerk sees the installment due at the counter and takes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing_site.common import roles
from collections_app import plan_selectors
from collections_app.models import PaymentPlan
from ledger.models import BusinessDay
from payments import services as payments
from tests.browser.conftest import sign_in
from tests.collections_app.helpers import bill
from tests.factories import make_account, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_coordinator_sets_up_a_plan_and_a_clerk_takes_the_installment(live_server, browser):
    coordinator = make_user("bob", roles.COORDINATOR)
    clerk = make_user("alice", roles.CLERK)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    account = make_account(coordinator)
    bill(coordinator, account, bill_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 21),
         WATER="600.00")  # fmt: skip
    page = browser.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.click("#plan-new-link")
    page.fill("#id_down_payment", "150.00")
    page.fill("#id_months", "3")
    page.get_by_role("button", name="Set up the plan").click()
    expect(page.locator("#plan-status")).to_have_text("Active")
    expect(page.locator("#plan-schedule tbody tr")).to_have_count(4)
    href = page.locator("#agreement-pdf").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert "Down payment: $150.00" in text and account.number in text
    assert not csp

    payments.drawer_open(counts={"d20": 5}, acting_user=clerk)
    clerk_page = browser.new_page()
    sign_in(clerk_page, live_server.url, "alice")
    clerk_page.goto(f"{live_server.url}/payments/take/")
    clerk_page.fill("#id_account_0", account.number)
    clerk_page.press("#id_account_0", "Enter")
    alert = clerk_page.locator("#lookup-0 [data-account-alert]")
    expect(alert).to_have_text("Payment plan: installment due $150.00 on Nov 23, 2026")
    clerk_page.fill("#id_amount_0", "150.00")
    clerk_page.fill("#id_cash_amount", "150.00")
    clerk_page.press("#id_cash_amount", "Enter")
    expect(clerk_page.locator("#pay-screen")).to_contain_text("Receipt")
    plan = PaymentPlan.objects.get(account=account)
    assert plan_selectors.plan_row(plan).paid == D("150.00")
