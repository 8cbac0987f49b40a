"""In Chromium: a coordinator stops an account's service with a final read from the
account page; the final bill is posted at once and shown, and the account is final."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from billing_site.common import roles
from ledger.models import BusinessDay
from tests.billing.bill_helpers import accounts, calculated, posted
from tests.browser.conftest import sign_in
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_coordinator_stops_service_and_sees_the_final_bill(live_server, browser):
    import datetime as dt

    BusinessDay.objects.create(date=dt.date(2026, 11, 23))
    bob = make_user("bob", roles.COORDINATOR)
    (account,) = accounts(bob, 1)
    posted(bob, calculated(bob))  # October billed: $49.70
    page = browser.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, live_server.url, bob.username)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.click("#stop-service-link")
    page.get_by_label("Service stops on").fill("2026-11-15")
    page.get_by_label("Final reading of meter").fill("17600")
    page.click("#stop-service-submit")
    expect(page.locator("h1")).to_contain_text("Bill")
    expect(page.locator("body")).to_contain_text("final bill")
    expect(page.locator("#bill-summary")).to_contain_text("2026-11-01 to 2026-11-15")
    expect(page.locator("#amount-due")).to_have_text("$57.81")  # 49.70 + 6.25 + 1.86
    expect(page.locator("#bill-lines")).to_contain_text("x 15/30 days")
    page.get_by_role("link", name=account.number).first.click()
    expect(page.locator("body")).to_contain_text("Final")
    account.refresh_from_db()
    assert account.status == "final"
    assert csp_errors == []
