"""In Chromium: a coordinator asks for a security deposit with the bill from the deposit
page; at the counter a clerk sees it is still to take, and the stub amount (balance plus
deposit) pays the balance and the deposit in one receipt."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import Browser, expect

from billing_site.common import roles
from collections_app.models import DepositRequired, SecurityDeposit
from ledger.models import BusinessDay
from ledger.selectors import deposit_held
from payments import services as payments
from payments.models import Payment
from tests.browser.conftest import sign_in
from tests.collections_app.helpers import bill
from tests.factories import make_account, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_deposit_asked_with_the_bill_is_paid_with_the_stub(live_server, browser: Browser):
    coordinator = make_user("bob", roles.COORDINATOR)
    clerk = make_user("alice", roles.CLERK)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    account = make_account(coordinator)
    bill(coordinator, account, bill_date=dt.date(2026, 11, 1), due_date=dt.date(2026, 11, 21),
         WATER="49.70")  # fmt: skip
    csp: list[str] = []
    page = browser.new_page()
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.click("#deposit-link")
    # A wrong amount is refused next to the field and what was typed stays.
    page.fill("#id_bill_amount", "0")
    page.click("#deposit-put-on-bill")
    expect(page.locator("#id_bill_amount")).to_have_value("0")
    expect(page.locator("#id_bill_amount")).to_have_attribute("aria-invalid", "true")
    assert not DepositRequired.objects.exists()
    page.fill("#id_bill_amount", "150.00")
    page.click("#deposit-put-on-bill")
    expect(page.locator("#deposit-due")).to_contain_text("$150.00 still to take")
    expect(page.locator("#deposit-due")).to_contain_text("collected with the bill")

    payments.drawer_open(counts={"d20": 5}, acting_user=clerk)
    counter = browser.new_page()
    counter.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    sign_in(counter, live_server.url, "alice")
    counter.goto(f"{live_server.url}/payments/take/")
    counter.fill("#id_account_0", account.number)
    counter.press("#id_account_0", "Enter")
    alerts = counter.locator("#lookup-0 [data-account-alert]")
    expect(alerts.filter(has_text="Deposit required")).to_contain_text("$150.00 still to take")
    counter.fill("#id_amount_0", "199.70")
    counter.fill("#id_cash_amount", "199.70")
    counter.press("#id_cash_amount", "Enter")
    screen = counter.locator("#pay-screen")
    expect(screen).to_contain_text("Receipt")
    expect(screen).to_contain_text("Security deposit (held for the account")
    payment = Payment.objects.get()
    parts = sorted((line.is_deposit, line.amount.amount) for line in payment.lines.all())
    assert parts == [(False, D("49.70")), (True, D("150.00"))]
    account.refresh_from_db()
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("150.00")
    assert SecurityDeposit.objects.get(account=account).transaction_id == payment.transaction_id

    page.reload()
    expect(page.locator("#deposit-due")).to_contain_text("held in full")
    assert not csp
