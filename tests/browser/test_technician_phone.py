"""In Chromium at a phone's size (390x844): a field technician opens today's orders,
starts a stop-service order, enters the final read and completes it; the final bill is
posted at once and the account is final."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from billing.models import Bill
from billing_site.common import roles
from ledger.models import BusinessDay
from service_orders import services
from tests.billing.bill_helpers import accounts, calculated, posted
from tests.billing.test_first_final_bills import account_meter
from tests.browser.conftest import sign_in
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_technician_completes_a_final_read_on_a_phone(live_server, browser):
    BusinessDay.objects.create(date=dt.date(2026, 11, 23))
    bob = make_user("bob", roles.COORDINATOR)
    dave = make_user("dave", roles.FIELD_TECHNICIAN)
    (account,) = accounts(bob, 1)
    posted(bob, calculated(bob))  # October billed: $49.70
    order = services.order_create(
        account=account, kind="stop", acting_user=bob,
        forwarding={"line1": "9 Elm St", "city": "Salem", "state": "OR", "zip": "97301"},
    )  # fmt: skip
    services.orders_assign(orders=[order], technician=dave, acting_user=bob)
    last = account_meter(account).reads.order_by("-read_date").first().reading
    page = browser.new_page(viewport={"width": 390, "height": 844})
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, live_server.url, dave.username)
    page.click("#nav-my-orders")
    expect(page.locator("#my-orders")).to_contain_text("Stop service")
    expect(page.locator("body")).not_to_contain_text("49.70")  # no balance for the technician
    page.get_by_role("link", name=f"Stop service · {order.number}").click()
    page.click("#start-order")
    expect(page.locator("#order-status")).to_contain_text("In progress")
    page.get_by_label("Reading", exact=True).fill(str(last - 1))
    page.get_by_role("button", name="Complete order").click()
    expect(page.locator("#complete-form")).to_contain_text("lower than the last read")
    page.get_by_label("Reading", exact=True).fill(str(last + 600))
    page.get_by_role("button", name="Complete order").click()
    expect(page.locator("#order-status")).to_contain_text("Completed")
    expect(page.locator("#order-outcome")).to_contain_text("Final bill")
    account.refresh_from_db()
    assert account.status == "final" and account.forwarding_city == "Salem"
    assert Bill.objects.get(account=account, final_bill=True).status == "posted"
    assert csp_errors == []
