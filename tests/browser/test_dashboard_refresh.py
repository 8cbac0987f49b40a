"""The operations dashboard refreshes itself: a supervisor has it open, a clerk takes a
payment at the counter in another page, and the day's total on the dashboard changes at
its next 30-second refresh, without a page load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from billing_site.common import roles
from ledger import services as ledger
from ledger.models import BusinessDay
from payments import services as payments
from tests.browser.conftest import sign_in
from tests.browser.test_counter_htmx import pay_by_keyboard
from tests.factories import make_account, make_user, service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_shows_a_new_payment_after_its_refresh_without_a_reload(live_server, browser):
    clerk = make_user("alice", roles.CLERK)
    supervisor = make_user("carol", roles.SUPERVISOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=supervisor)
    account = make_account(supervisor)
    ledger.post_charges(account=account, charges=[(service("WATER"), D("42.50"))],
                        memo="Bill", acting_user=supervisor)  # fmt: skip
    payments.drawer_open(counts={"d20": 5}, acting_user=clerk)
    base = live_server.url

    board = browser.new_context().new_page()
    sign_in(board, base, supervisor.username)
    board.goto(f"{base}/dashboard/")
    expect(board.locator("#ops-total")).to_have_text("$0.00")
    expect(board.locator("#ops-drawers")).to_contain_text("alice")
    board.evaluate("window.sameDocument = true")  # lost on any full page load

    counter = browser.new_context().new_page()
    sign_in(counter, base, clerk.username)
    counter.goto(f"{base}/payments/take/")
    pay_by_keyboard(counter, account.number, "50")
    expect(counter.locator("#change-due")).to_have_text("Change due: $7.50")

    expect(board.locator("#ops-total")).to_have_text("$42.50", timeout=45_000)
    assert board.evaluate("window.sameDocument") is True
    expect(board.locator("#chart-payments-tender")).to_contain_text("$42.50")
