"""Mail-batch keying is keyboard first: Enter adds a stub and the account box is ready again.

A mistyped stub is corrected in place (its line keeps its number), and a batch
keyed by mistake is cancelled with a reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import expect

from billing_site.common import roles
from ledger.models import BusinessDay
from payments.models import RemittanceBatch
from tests.browser.conftest import expect_focus, sign_in
from tests.factories import make_account, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_keys_stubs_with_the_keyboard_edits_one_and_cancels(live_server, browser) -> None:
    bob = make_user("bob", roles.COORDINATOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=bob)
    first, second = make_account(bob), make_account(bob)
    base = live_server.url
    page = browser.new_page()
    sign_in(page, base, bob.username)

    page.goto(f"{base}/payments/batches/")
    page.fill("#id_control_count", "2")
    page.fill("#id_control_total", "80.00")
    page.press("#id_control_total", "Enter")
    page.wait_for_url("**/payments/batches/*/")
    expect_focus(page.locator("#id_account"))

    page.keyboard.type(first.number)
    page.keyboard.press("Tab")
    page.keyboard.type("30.00")
    page.keyboard.press("Tab")
    page.keyboard.type("501")
    page.keyboard.press("Enter")  # adds the stub
    expect(page.locator("#batch-items")).to_contain_text("501")
    expect_focus(page.locator("#id_account"))  # ready for the next stub

    # A scanned stub (account|amount) then the check number; Enter adds it.
    page.keyboard.type(f"{second.number}|40.00")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("502")
    page.keyboard.press("Enter")
    expect(page.locator("#batch-items")).to_contain_text("502")
    expect_focus(page.locator("#id_account"))

    # A refused stub keeps what was typed and puts the focus on the field in error.
    page.keyboard.type(first.number)
    page.keyboard.press("Tab")
    page.keyboard.type("abc")
    page.keyboard.press("Tab")
    page.keyboard.type("503")
    page.keyboard.press("Enter")
    expect_focus(page.locator("#id_amount"))
    expect(page.locator("#id_check_number")).to_have_value("503")

    # Line 2 was keyed $40.00 but the check says $50.00: correct it in place.
    page.click("#line-2 [data-edit-stub]")
    page.wait_for_url("**?edit=*")
    page.wait_for_load_state("load")
    expect_focus(page.locator("#id_edit-account"))
    expect(page.locator("#id_edit-amount")).to_have_value("40.00")
    page.fill("#id_edit-amount", "50.00")
    page.press("#id_edit-amount", "Enter")
    expect(page.locator("#line-2")).to_contain_text("$50.00")
    expect_focus(page.locator("#id_account"))
    items = RemittanceBatch.objects.get().items.order_by("line_number")
    # Wide tables are wrapped in a scrolling region as a page loads or htmx settles; the
    # field the caret is in (a stub edited in its table row) must keep it. Checked on a
    # table added now, so the browser's own autofocus cannot hide a lost focus.
    page.evaluate("""() => {
        const table = document.createElement("table");
        table.innerHTML = '<tr><td><input id="probe"></td></tr>';
        document.querySelector("main").appendChild(table);
        document.getElementById("probe").focus();
        document.dispatchEvent(new Event("htmx:afterSettle"));
    }""")
    assert page.evaluate("() => !!document.querySelector('.table-scroll #probe')")
    expect_focus(page.locator("#probe"))
    assert [(i.line_number, i.amount.amount) for i in items] == [(1, D("30.00")), (2, D("50.00"))]

    # Keyed against the wrong control figures: cancel it, with a reason.
    page.click(".pay-cancel summary")
    page.click("#cancel-batch")  # no reason: refused next to the field
    expect(page.locator("#id_reason_error")).to_contain_text("Say why")
    expect_focus(page.locator("#id_reason"))
    page.fill("#id_reason", "Stubs belong to tomorrow's envelope")
    page.click("#cancel-batch")
    expect(page.locator("#batch-cancelled")).to_contain_text("tomorrow's envelope")
    assert RemittanceBatch.objects.get().status == "cancelled"
    assert page.locator("#id_account").count() == 0
