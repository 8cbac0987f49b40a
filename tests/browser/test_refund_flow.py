"""In Chromium: a coordinator requests a refund of a final account's credit from the
account page, a supervisor approves it from the refunds desk, and the refund register
PDF downloads (read back with pypdf).

Runs against the live test server with real transactions; ``serialized_rollback``
restores the roles and the GL chart the data migrations load.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from accounts import services as account_services
from adjustments.models import Refund
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


def test_a_coordinator_requests_a_supervisor_approves_and_the_register_downloads(
    live_server, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    coordinator = make_user("bob", roles.COORDINATOR)
    supervisor = make_user("carol", roles.SUPERVISOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    account = make_account(coordinator)
    ledger.post_charges(
        account=account,
        charges=[(service("WATER"), D("60.00"))],
        memo="Final bill",
        acting_user=coordinator,
    )
    ledger.post_payment(account=account, amount=D("95.40"), memo="Paid", acting_user=coordinator)
    account_services.account_change_status(
        account=account, to="final", acting_user=coordinator, reason="Moved out"
    )
    page = browser.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    # The coordinator records where the customer moved, then asks for the credit back.
    sign_in(page, live_server.url, coordinator.username)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    expect(page.locator("[data-forwarding-missing]")).to_be_visible()
    page.get_by_role("link", name="Add the forwarding address").click()
    page.fill("#id_line1", "12 New Rd")
    page.fill("#id_city", "Quincy")
    page.fill("#id_state", "FL")
    page.fill("#id_zip_code", "32351")
    page.get_by_role("button", name="Save forwarding address").click()
    expect(page.locator("[data-forwarding]")).to_contain_text("12 New Rd")
    page.locator("#request-refund").click()
    expect(page.locator("#id_amount")).to_have_value("35.40")
    expect(page.locator("#id_payee_line1")).to_have_value("12 New Rd")
    page.fill("#id_memo", "Credit left after the final bill")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.locator("[data-status]")).to_have_text("Waiting for approval")
    expect(page.locator("[data-refusal]")).to_contain_text("nobody approves their own refund")
    label = Refund.objects.get().label
    sign_out(page)

    # The supervisor sees it counted in the navigation and approves it.
    sign_in(page, live_server.url, supervisor.username)
    expect(page.locator("#nav-refunds")).to_contain_text("1")
    page.locator("#nav-refunds").click()
    page.get_by_role("row", name=label).get_by_role("link", name="Review").click()
    page.fill("#id_reason", "Checked against the final bill")
    page.locator("#refund-approve").click()
    expect(page.locator("[data-status]")).to_have_text("Approved and posted")
    expect(page.locator("[data-posting]")).to_contain_text("Ledger transaction #")

    # The register's PDF downloads and says what was refunded.
    page.get_by_role("link", name="Refund register").click()
    with page.expect_download() as waiting:
        page.locator("#register-pdf").click()
    pdf = waiting.value
    data = Path(pdf.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert label in text and "$35.40" in text and "12 New Rd" in text
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    expect(page.locator("[data-balance]")).to_contain_text("$0.00")
    expect(page.locator("#account-refunds")).to_contain_text(label)
    assert not csp_errors, csp_errors
