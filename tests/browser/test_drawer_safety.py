"""Nothing a clerk does by reflex posts money: Enter in a drawer count never submits.

Opening a drawer starts at the first count field; Enter moves to the next field;
closing shows the count against what is expected and waits for a confirmation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from billing_site.common import roles
from ledger.models import BusinessDay
from payments.models import Drawer
from tests.browser.conftest import expect_focus, sign_in
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_never_opens_or_closes_a_drawer_on_a_reflex_enter(live_server, browser) -> None:
    clerk = make_user("alice", roles.CLERK)
    BusinessDay.objects.create(
        date=dt.date(2026, 11, 23), opened_by=make_user("bob", roles.COORDINATOR)
    )
    base = live_server.url
    page = browser.new_page()
    sign_in(page, base, clerk.username)

    page.goto(f"{base}/payments/drawer/open/")
    expect_focus(page.locator("#id_d100"))  # the count starts at the first field
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect_focus(page.locator("#id_d20"))
    page.keyboard.type("5")
    page.keyboard.press("Enter")  # moves on; opens nothing
    expect_focus(page.locator("#id_d10"))
    assert not Drawer.objects.exists()
    expect(page.locator("[data-count-total]")).to_have_text("$100.00")
    page.click("#open-drawer")
    page.wait_for_url("**/payments/take/")
    assert Drawer.objects.get().float_amount.amount == D("100.00")

    # Close: type 6 in "$20 bills" and press Enter: the drawer stays open.
    page.goto(f"{base}/payments/drawer/close/")
    expect_focus(page.locator("#id_d100"))
    page.fill("#id_d20", "6")
    page.press("#id_d20", "Enter")
    expect_focus(page.locator("#id_d10"))
    assert Drawer.objects.get().status == "open"
    page.click("#review-count")  # the count against what is expected; nothing posted
    expect(page.locator("#review-over-short")).to_contain_text("$20.00 over")
    expect(page.locator(".pay-expected")).to_contain_text("$120.00")
    assert Drawer.objects.get().status == "open"
    page.click("#change-count")  # back to the count, as typed
    expect(page.locator("#id_d20")).to_have_value("6")
    page.fill("#id_d20", "5")
    page.click("#review-count")
    expect(page.locator("#review-over-short")).to_contain_text("balances")
    page.click("#close-drawer")
    page.wait_for_url("**/payments/drawer/*/")
    drawer = Drawer.objects.get()
    assert drawer.status == "closed" and drawer.over_short.amount == D("0.00")
