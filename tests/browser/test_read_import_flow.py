"""In Chromium: a coordinator imports a read file, resolves its two exceptions, then
(on a phone-sized screen, a customer on the line) quotes a bill from the account page.

Runs against the live test server with real transactions (the import task runs at
commit with the test settings' immediate task backend).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.choices import ExceptionStatus
from billing.models import MeterRead, ReadException
from billing_site.common import roles
from tests.billing.helpers import agreement, metered_account, water_schedule
from tests.browser.conftest import sign_in
from tests.factories import make_account, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_coordinator_imports_reads_resolves_exceptions_and_quotes_a_bill(live_server, browser):
    bob = make_user("bob", roles.COORDINATOR)
    today = timezone.localdate()
    account = make_account(bob)
    agreement(bob, account, water_schedule())
    metered_account(bob, account, number="M-1001", reading="1000", on=today - timedelta(30))
    other = make_account(bob)
    metered_account(bob, other, number="M-2002", reading="500", on=today - timedelta(30))
    data = (
        "meter,account,read_date,reading,read_code\n"
        f"M-1001,{account.number},{today:%Y-%m-%d},1450,01\n"
        f"M-2002,{other.number},{today:%Y-%m-%d},500,01\n"  # zero use
        f"M-9999,,{today:%Y-%m-%d},77,01\n"  # unknown meter
    ).encode()
    page = browser.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, live_server.url, bob.username)

    page.get_by_role("link", name="Billing", exact=True).click()
    page.get_by_role("link", name="Import reads").click()
    page.set_input_files(
        "#id_file", files=[{"name": "route7.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("[data-stored]")).to_have_text("1")
    expect(page.locator("[data-exceptions]")).to_contain_text("2")

    page.get_by_role("link", name="resolve them").click()
    page.locator("tr", has_text="M-2002").get_by_role("button", name="Accept").click()
    expect(page.locator(".messages")).to_contain_text("M-2002 resolved")
    page.locator("tr", has_text="M-9999").get_by_role("button", name="Ask for a re-read").click()
    expect(page.locator("#read-exceptions")).to_contain_text("No reads wait for a person.")
    statuses = set(ReadException.objects.values_list("status", flat=True))
    assert statuses == {ExceptionStatus.ACCEPTED, ExceptionStatus.REREAD}
    assert MeterRead.objects.filter(meter__number="M-2002", read_date=today).exists()

    page.set_viewport_size({"width": 390, "height": 844})  # on the phone with the customer
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    expect(page.locator("#billing-panel")).to_contain_text("M-1001")
    page.get_by_role("link", name="Quote a bill").click()
    page.select_option("#id_agreement", index=1)
    page.fill("#id_usage", "12000")
    page.fill("#id_days", "30")
    page.get_by_role("button", name="Quote", exact=True).click()
    # 12.50 base + 12 kgal x 3.10 = 37.20: 49.70
    expect(page.locator("[data-quote-total]")).to_have_text("$49.70")
    assert not csp_errors, csp_errors
