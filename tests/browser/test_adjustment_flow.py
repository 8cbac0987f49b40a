"""In Chromium: a clerk requests an adjustment, a coordinator approves it, and the
clerk sees the request, the decision and the posting on the account page.

Runs against the live test server with real transactions; ``serialized_rollback``
restores the roles, GL chart and reason codes the data migrations load.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from playwright.sync_api import Page, expect

from adjustments.models import AdjustmentRequest
from billing_site.common import roles
from ledger import services as ledger
from ledger.models import BusinessDay
from tests.browser.conftest import sign_in
from tests.factories import make_account, make_user, service

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


def test_a_clerk_requests_a_coordinator_approves_and_the_clerk_sees_it(live_server, browser):
    clerk = make_user("alice", roles.CLERK)
    coordinator = make_user("bob", roles.COORDINATOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    account = make_account(coordinator)
    ledger.post_charges(
        account=account,
        charges=[(service("WATER"), D("120.00")), (service("SEWER"), D("80.00"))],
        memo="November bill",
        acting_user=coordinator,
    )
    page = browser.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    # The clerk asks for a leak adjustment split over water and sewer.
    sign_in(page, live_server.url, clerk.username)
    page.get_by_role("link", name="Adjustments").click()
    page.get_by_role("link", name="New adjustment").click()
    page.fill("#id_account", account.number)
    page.get_by_label("Credit (lowers what the customer owes)").check()
    page.select_option("#id_reason", label="Leak adjustment")
    page.fill("#id_amount_WATER", "45.00")
    page.fill("#id_amount_SEWER", "30.00")
    page.fill("#id_memo", "Leak under the slab, repaired 11/02")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.locator("[data-status]")).to_have_text("Waiting for approval")
    number = AdjustmentRequest.objects.get().number
    sign_out(page)

    # The coordinator approves it from the queue.
    sign_in(page, live_server.url, coordinator.username)
    page.goto(f"{live_server.url}/adjustments/queue/")
    page.get_by_role("row", name=str(number)).get_by_role("link", name="Review").click()
    page.get_by_role("button", name="Approve and post").click()
    expect(page.locator("[data-status]")).to_have_text("Approved and posted")
    sign_out(page)

    # The clerk sees the outcome in their list and on the account page.
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/adjustments/mine/")
    expect(page.get_by_role("row", name=str(number))).to_contain_text("Approved and posted")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    posting = AdjustmentRequest.objects.get().posting_id
    notes = page.locator(".notes")
    expect(notes).to_contain_text(f"Adjustment request {number} by alice: credit $75.00")
    expect(notes).to_contain_text(f"approved by bob and posted as ledger transaction #{posting}")
    expect(page.locator("[data-balance]")).to_contain_text("$125.00")
    assert not csp_errors, csp_errors
