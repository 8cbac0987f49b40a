"""The technician's pages at phone widths (360 and 390 px) in Chromium: nothing scrolls
sideways (the document is no wider than the window) and every link, button and field a
thumb can reach is at least 44 x 44 px, the top bar's included."""

from __future__ import annotations

import datetime as dt

import pytest

from billing_site.common import roles
from ledger.models import BusinessDay
from service_orders import services
from tests.billing.bill_helpers import accounts, calculated, posted
from tests.browser.conftest import sign_in
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TAPPABLE = (
    "main a, main button, main select, main textarea, main input:not([type=hidden]), "
    "header a, header button"
)
SMALL_TARGETS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 1 && r.height > 1; })
  .map((el) => { const r = el.getBoundingClientRect();
                 return {what: el.outerHTML.slice(0, 80), w: r.width, h: r.height}; })
  .filter((t) => t.w < 44 || t.h < 44)"""


def _check(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{where}: {width}px wide in a {inner}px window"
    assert page.evaluate(SMALL_TARGETS, TAPPABLE) == [], where


def test_the_technicians_pages_fit_a_phone(live_server, browser):
    BusinessDay.objects.create(date=dt.date(2026, 11, 23))
    bob = make_user("bob", roles.COORDINATOR)
    dave = make_user("dave", roles.FIELD_TECHNICIAN, first_name="Dave", last_name="Fieldworker")
    first, second = accounts(bob, 2)
    posted(bob, calculated(bob))
    stop = services.order_create(
        account=first, kind="stop", acting_user=bob, notes="Gate code 4417; dog in the yard " * 3,
        forwarding={"line1": "12345 Northeast Longstreetname Boulevard Apartment 1204",
                    "city": "Salem", "state": "OR", "zip": "97301"},
    )  # fmt: skip
    test = services.order_create(account=second, kind="meter_test", acting_user=bob)
    services.orders_assign(orders=[stop, test], technician=dave, acting_user=bob)
    services.order_start(order=test, acting_user=dave)
    for width in (360, 390):
        page = browser.new_page(viewport={"width": width, "height": 800})
        sign_in(page, live_server.url, dave.username)
        page.goto(f"{live_server.url}/service-orders/mine/")
        _check(page, f"my orders at {width}")
        page.goto(f"{live_server.url}/service-orders/{stop.pk}/")
        _check(page, f"an assigned stop order at {width}")
        page.goto(f"{live_server.url}/service-orders/{test.pk}/")
        assert page.locator("#complete-form").count() == 1
        _check(page, f"a meter test's completion form at {width}")
        with page.expect_navigation():  # a full-page POST: measure the page that comes back
            page.get_by_role("button", name="Complete order").click()  # errors next to the fields
        page.wait_for_load_state()
        assert page.locator(".field-error").count() > 0
        _check(page, f"the completion form with errors at {width}")
        page.close()
