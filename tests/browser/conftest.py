"""Chromium (Debian's, driven by Playwright) for the browser tests, and signing in.

The tests run against the live test server with real transactions, so the
ledger's triggers fire; ``serialized_rollback`` (in each module's pytestmark)
restores the roles and GL chart that the data migrations load.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

# Playwright's sync API runs an event loop in this thread; the ORM calls made
# while it runs are ordinary synchronous test set-up.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-battery")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{base_url}/")


def expect_focus(locator: Locator, timeout: float = 5000) -> None:
    """Wait until ``locator`` is the page's active element.

    Playwright's ``to_be_focused`` also asks ``document.hasFocus()``, which says whether
    the browser window has the system focus, not where the page put the caret. What a
    keyboard user needs is the active element, so that is what is waited for; on a
    timeout the message names the element that has the focus instead.
    """
    handle = locator.element_handle(timeout=timeout)
    try:
        locator.page.wait_for_function(
            "el => el === el.getRootNode().activeElement", arg=handle, timeout=timeout
        )
    except PlaywrightTimeout:
        active = locator.page.evaluate(
            "() => [String(document.activeElement && document.activeElement.outerHTML)"
            ".slice(0, 200), document.hasFocus(), document.readyState, location.href]"
        )
        raise AssertionError(
            f"{locator} is not the active element; the page has {active}"
        ) from None
