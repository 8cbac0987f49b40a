"""A counter clerk finds an account by keyboard in a real browser (Chromium).

Runs against the live test server with real transactions, so the ledger's
triggers fire; ``serialized_rollback`` restores the roles and GL chart that the
data migrations load, whatever transactional test ran before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from billing_site.common import roles
from ledger import services as ledger
from ledger.models import BusinessDay
from tests.browser.conftest import expect_focus, sign_in
from tests.factories import make_account, make_customer, make_user, service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_lets_a_clerk_find_and_open_an_account_by_keyboard(live_server, browser) -> None:
    clerk = make_user("alice", roles.CLERK)
    coordinator = make_user("bob", roles.COORDINATOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    wanted = make_account(coordinator, customer=make_customer(coordinator, last_name="Thornbury"))
    make_account(coordinator, customer=make_customer(coordinator, last_name="Thorne"))
    make_account(coordinator, customer=make_customer(coordinator, last_name="Mendoza"))
    ledger.post_charges(
        account=wanted,
        charges=[(service("WATER"), D("48.20")), (service("SEWER"), D("31.05"))],
        memo="November bill",
        acting_user=coordinator,
    )

    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, clerk.username)

    search = page.locator("#account-search")
    expect_focus(search)
    search.press_sequentially("thornb", delay=40)
    expect(page.locator("#search-results [data-result]")).to_have_count(1)
    search.press("ArrowDown")
    expect(page.locator("#search-results [data-result].is-active")).to_contain_text(wanted.number)
    search.press("Enter")

    page.wait_for_url(f"{live_server.url}/accounts/{wanted.pk}/")
    expect(page.locator("[data-account-number]")).to_have_text(wanted.number)
    expect(page.locator("[data-balance]")).to_contain_text("$79.25")
    expect(page.locator("[data-balance]")).to_contain_text("Owes")
    assert not [e for e in errors if "Content Security Policy" in e], errors
