"""In Chromium: a supervisor runs a notice batch from the proof list and opens the combined
PDF of its letters; a coordinator opens the aging as of last month-end and drills into a
bucket. Live server, real transactions (tasks run on commit with the immediate backend)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing_site.common import roles
from ledger.models import BusinessDay
from tests.browser.conftest import sign_in
from tests.collections_app.helpers import bill
from tests.factories import make_account, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_supervisor_sends_a_notice_batch_and_opens_the_letters(live_server, browser):
    supervisor = make_user("carol", roles.SUPERVISOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=supervisor)
    accounts = [make_account(supervisor) for _ in range(2)]
    for account in accounts:
        bill(supervisor, account, bill_date=dt.date(2026, 10, 24), due_date=dt.date(2026, 11, 6),
             WATER="64.00")  # fmt: skip
    page = browser.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, live_server.url, "carol")
    page.get_by_role("link", name="Collections", exact=True).click()
    page.get_by_role("link", name="Notices and disconnects").click()
    page.select_option("#id_step", label="Past-due reminder")
    page.click("#notice-start")
    expect(page.locator("#notice-lines tr.included")).to_have_count(2)
    page.get_by_label("I checked the proof list").check()
    page.click("#notice-send")
    expect(page.locator("#notice-status")).to_have_text("Posted")
    page.click("#notice-print")
    page.wait_for_url("**/notices/*/")
    link = page.locator("#notice-letters")
    expect(link).to_be_visible()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert all(a.number in text for a in accounts) and "$64.00" in text
    assert not csp


def test_a_coordinator_opens_last_month_end_aging_and_drills_into_a_bucket(live_server, browser):
    coordinator = make_user("bob", roles.COORDINATOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    account = make_account(coordinator)
    bill(coordinator, account, bill_date=dt.date(2026, 9, 24), due_date=dt.date(2026, 10, 14),
         WATER="51.00")  # fmt: skip
    page = browser.new_page()
    sign_in(page, live_server.url, "bob")
    page.get_by_role("link", name="Collections", exact=True).click()
    page.fill("#id_as_of", "2026-11-30")  # the month-end after the open day
    page.click("#aging-start")
    expect(page.locator("#aging-table")).to_be_visible()
    cell = page.locator("#aging-table tbody a", has_text="$51.00").first
    cell.click()
    expect(page.locator("#aging-cell")).to_contain_text(account.number)
    expect(page.locator("#aging-cell")).to_contain_text("$51.00")
