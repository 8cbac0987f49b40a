"""Keyboard, zoom and timing checks of WCAG 2.1 AA in Chromium.

The two account match lists as comboboxes (Down/Up/Enter/Escape, the focus in
the box), the skip link, reflow at 320 and 640 CSS pixels (no sideways scroll),
"Change due" announced once, the idle-timeout warning with "Stay signed in",
and a form sent after the session ended that comes back with what was typed.
One browser for the module; each test signs in its people once.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Browser, Page, expect

from accounts.models import Account
from adjustments.models import AdjustmentRequest
from tests.browser.conftest import expect_focus, sign_in
from tests.browser.test_accessibility_audit import _world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    """The shared per-test browser (conftest), by this module's name for it."""
    return browser


def _page(chromium: Browser, base: str, username: str, **options: Any) -> Page:
    page = chromium.new_context(**options).new_page()
    sign_in(page, base, username)
    return page


# What a person typed or chose in the page's POST forms (not hidden fields or files).
SNAPSHOT = """() => Array.from(document.querySelectorAll("form[method=post] [name]"))
  .filter((el) => !["hidden", "file", "submit"].includes(el.type) && el.tagName !== "BUTTON")
  .map((el) => [el.name, el.type, ["radio", "checkbox"].includes(el.type) ? el.checked : el.value])
"""


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (page.url, width, page.evaluate(WIDEST))


# The elements that stick out on the right, innermost first (for the failure message).
WIDEST = """() => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter((el) => !el.closest(".table-scroll") || el.classList.contains("table-scroll"))
  .slice(-6).map((el) => el.tagName + "." + el.className + "#" + el.id + " "
    + Math.round(el.getBoundingClientRect().right))"""


def _search_combobox(chromium: Browser, base: str, world: dict[str, Any]) -> None:
    page = _page(chromium, base, "alice")
    search = page.locator("#account-search")
    search.press_sequentially("thorn", delay=20)
    options = page.locator("#search-listbox [role=option]")
    expect(options).to_have_count(2)
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(search).to_have_attribute("aria-controls", "search-listbox")
    expect(page.locator("#search-listbox")).to_have_attribute("aria-label", "Matching accounts")
    expect(page.locator("#account-search-help")).to_contain_text("press Down to choose")

    search.press("ArrowDown")
    first, second = options.nth(0), options.nth(1)
    expect(search).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    expect(first).to_have_attribute("aria-selected", "true")
    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", second.get_attribute("id") or "")
    expect(first).to_have_attribute("aria-selected", "false")
    search.press("ArrowUp")
    expect(search).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
    expect_focus(search)

    search.press("Escape")  # first Escape: nothing chosen, the list stays
    expect(search).not_to_have_attribute("aria-activedescendant", re.compile(".+"))
    expect(options).to_have_count(2)
    search.press("Escape")  # second: the list closes
    expect(search).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#search-listbox")).to_be_hidden()

    search.press("Backspace")  # typing again brings matches back
    expect(search).to_have_attribute("aria-expanded", "true")
    search.press("ArrowDown")
    chosen = page.locator("#search-listbox [role=option][aria-selected=true]")
    expect(chosen).to_contain_text(world["account"].number)
    search.press("Enter")
    page.wait_for_url(f"{base}/accounts/{world['account'].pk}/")


def _payment_combobox(chromium: Browser, base: str, world: dict[str, Any]) -> None:
    page = _page(chromium, base, "alice")
    page.goto(f"{base}/payments/take/")
    box = page.locator("#id_account_0")
    expect(box).to_have_attribute("role", "combobox")
    box.press_sequentially("thorn", delay=20)
    options = page.locator("#matches-0 [role=option]")
    expect(options).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#matches-0")).to_have_attribute(
        "aria-label", "Matching accounts, account 1"
    )
    box.press("ArrowDown")
    expect_focus(box)
    expect(box).to_have_attribute("aria-activedescendant", "match-0-1")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", "match-0-1")
    expect(options.nth(0)).to_contain_text(world["account"].number)
    box.press("Enter")

    expect(box).to_have_value(world["account"].number)
    expect_focus(page.locator("#id_amount_0"))
    expect(page.locator("#lookup-0 .pay-account-card")).to_contain_text(world["account"].number)
    expect(page).not_to_have_url(re.compile("receipts"))  # Enter took the match, posted nothing
    expect(page.locator("label[for=id_amount_1]")).to_have_text("Amount, account 2")


def _change_due(chromium: Browser, base: str, world: dict[str, Any]) -> None:
    page = _page(chromium, base, "alice")
    page.goto(f"{base}/payments/take/")
    page.fill("#id_account_0", world["account"].number)
    page.press("#id_account_0", "Enter")
    expect(page.locator("#lookup-0 .pay-account-card")).to_be_visible()
    page.fill("#id_amount_0", "15.00")
    page.evaluate(
        """() => {
        window.rewrites = 0;
        const totals = document.querySelector(".pay-totals");
        new MutationObserver((m) => { window.rewrites += m.length; })
            .observe(totals, {childList: true, subtree: true, characterData: true});
    }"""
    )
    page.locator("#id_cash_amount").press_sequentially("20.00", delay=60)  # 5 keystrokes
    status = page.locator("[data-change-status]")
    expect(status).to_have_text("Change due $5.00")
    expect(status).to_have_attribute("role", "status")
    # Tendered goes 2, 20 (then "20.", "20.0", "20.00" are the same $20.00): 2 values,
    # each rewriting the tendered and change lines at most.
    assert page.evaluate("() => window.rewrites") <= 4
    assert page.locator(".pay-totals").get_attribute("aria-live") is None


def _skip_link(chromium: Browser, base: str, world: dict[str, Any]) -> None:
    page = _page(chromium, base, "alice")
    page.goto(f"{base}/payments/receipts/")
    first = page.evaluate(
        """() => document.querySelector("a[href], button, input, select, textarea").className"""
    )
    assert first == "skip-link"  # the first stop of Tab on every page
    skip = page.locator("a.skip-link")
    skip.focus()
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect_focus(page.locator("main#main"))


def _reflow(chromium: Browser, base: str, world: dict[str, Any]) -> None:
    narrow = _page(chromium, base, "alice", viewport={"width": 320, "height": 640})
    narrow.goto(f"{base}/payments/take/")
    narrow.locator("#id_account_0").press_sequentially("thorn", delay=20)
    expect(narrow.locator("#matches-0 [role=option]")).to_have_count(2)
    _no_sideways_scroll(narrow)
    narrow.fill("#id_amount_0", "abc")
    narrow.click("#post-payment")
    expect(narrow.locator("[aria-invalid=true]").first).to_be_visible()
    _no_sideways_scroll(narrow)

    wide = _page(chromium, base, "carol", viewport={"width": 640, "height": 800})
    for path in (
        "/payments/closeout/",
        "/payments/batches/exceptions/",
        "/adjustments/queue/",
        "/payments/batches/",
        f"/payments/batches/{world['batch'].pk}/",
        "/accounts/search/?q=thorn",
        f"/accounts/{world['account'].pk}/",
    ):
        wide.goto(f"{base}{path}")
        _no_sideways_scroll(wide)
        for region in wide.locator(".table-scroll").all():
            assert region.get_attribute("role") == "region"
            assert region.get_attribute("aria-label")
            if region.evaluate("el => el.scrollWidth > el.clientWidth + 1"):
                assert region.get_attribute("tabindex") == "0"  # the keyboard can scroll it


def _idle_warning(chromium: Browser, base: str, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 26
    settings.SESSION_IDLE_WARNING_SECONDS = 20
    page = _page(chromium, base, "alice")
    warning = page.locator("#idle-warning")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=15_000)  # 20 s before the end, about 6 s in
    expect(warning).to_contain_text("You will be signed out in")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect_focus(stay)
    count = int(warning.locator("[data-idle-count]").inner_text())
    assert 15 <= count <= 20, count
    stay.click()
    expect(warning).to_be_hidden()
    page.goto(f"{base}/payments/receipts/")  # still signed in
    expect(page).to_have_url(re.compile("/payments/receipts/$"))


def _session_expiry(chromium: Browser, base: str, world: dict[str, Any]) -> None:
    account: Account = world["account"]
    page = _page(chromium, base, "alice")
    page.goto(f"{base}/adjustments/new/?account={account.pk}")
    memo = "Leak at the meter, customer brought the plumber's invoice"
    page.fill("#id_memo", memo)
    page.locator("input[name^=amount]").first.fill("12.34")
    page.locator("input[name=direction]").last.check()
    page.select_option("#id_reason", index=1)
    typed = page.evaluate(SNAPSHOT)
    assert memo in str(typed) and "12.34" in str(typed)
    before = AdjustmentRequest.objects.count()
    Session.objects.all().delete()  # the idle timeout ended it while she typed

    page.locator("form.form button[type=submit]").last.click()
    page.wait_for_url(re.compile("/login/"))
    expect(page.locator(".messages")).to_contain_text("what you typed will be back")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "correct-horse-battery")
    page.press("#id_password", "Enter")

    page.wait_for_url(re.compile("/adjustments/new/"))
    expect(page.locator("#restored-form-notice")).to_contain_text("nothing was saved")
    expect(page.locator("#id_memo")).to_have_value(memo)
    assert page.evaluate(SNAPSHOT) == typed
    assert AdjustmentRequest.objects.count() == before  # nothing posted on the way

    page.reload()  # shown once: the stash is gone
    expect(page.locator("#restored-form-notice")).to_have_count(0)


def test_it_passes_the_keyboard_reflow_and_timing_checks(live_server, chromium, settings) -> None:
    """One test, several checks: the live server's data is set up once (a second
    serialized-rollback test in a module would find the roles gone)."""
    world = _world()
    base = live_server.url
    for check in (_search_combobox, _payment_combobox, _change_due, _skip_link, _reflow):
        check(chromium, base, world)
    _session_expiry(chromium, base, world)
    _idle_warning(chromium, base, settings)
