"""axe-core's WCAG 2.1 AA audit of every page a clerk, a coordinator and a supervisor use.

Each role signs in once (one browser context each, CSP bypassed for axe only) and
walks its navigation plus the states behind it: the match lists open, forms come
back with errors, the drawer open and close pages, approvals, the GL journal.
Every failing node of every state is reported together, so one run shows all.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from adjustments import gl
from adjustments import services as adjustments
from adjustments.models import AdjustmentReason
from billing_site.common import roles
from ledger.models import BusinessDay, GLAccount
from payments import services as payments
from payments import tasks
from tests.browser.a11y import axe_context, axe_violations, describe
from tests.browser.conftest import sign_in
from tests.factories import make_account, make_customer, make_user, service
from tests.payments.helpers import charge, open_drawer, pay
from tests.payments.lockbox_files import lockbox_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _world() -> dict[str, Any]:
    clerk = make_user("alice", roles.CLERK)
    coordinator = make_user("bob", roles.COORDINATOR)
    supervisor = make_user("carol", roles.SUPERVISOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    wanted = make_account(coordinator, customer=make_customer(coordinator, last_name="Thornbury"))
    make_account(coordinator, customer=make_customer(coordinator, last_name="Thorne"))
    charge(wanted, coordinator, water="48.20", sewer="31.05")
    drawer = open_drawer(clerk)
    receipt = pay(clerk, drawer, wanted, "10.00")
    request = adjustments.request_adjustment(
        account=wanted,
        direction="credit",
        reason=AdjustmentReason.objects.get(code="LEAK"),
        amounts=[(service("WATER"), D("5.00"))],
        memo="Leak under the sink",
        acting_user=clerk,
    )
    draft = gl.gl_draft_save(
        draft=None,
        memo="Reclass",
        lines=[gl.DraftLine(GLAccount.objects.get(code="001-4630"), D("-1.00"))],
        acting_user=coordinator,
    )
    batch = payments.lockbox_import(
        file_name="box.csv",
        data=lockbox_file([(wanted.number, "12.00"), ("999999", "7.50")]),
        acting_user=coordinator,
    )
    tasks.lockbox_post.enqueue(batch.pk, coordinator.pk)  # immediate backend in tests
    master = make_account(coordinator, is_master=True)
    return {
        "users": (clerk, coordinator, supervisor),
        "account": wanted,
        "receipt": receipt,
        "request": request,
        "draft": draft,
        "batch": batch,
        "master": master,
    }


class Audit:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.states = 0

    def check_error(self, page: Page, state: str) -> None:
        """A form came back with errors: the title says so, and axe finds nothing."""
        expect(page).to_have_title(re.compile(r"^Error: "))
        expect(page.locator('[aria-invalid="true"]').first).to_be_visible()
        self.check(page, state)

    def check(self, page: Page, state: str) -> None:
        self.states += 1
        self.failures += describe(state, axe_violations(page))

    def visit(self, page: Page, url: str, state: str | None = None) -> None:
        response = page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        self.check(page, state or url)


def _nav_links(page: Page, base: str) -> list[str]:
    page.goto(f"{base}/")
    hrefs = page.eval_on_selector_all(".topnav a", "els => els.map(a => a.getAttribute('href'))")
    return [h for h in hrefs if not h.startswith("/admin")]


def _clerk_states(page: Page, audit: Audit, base: str, world: dict[str, Any]) -> None:
    account = world["account"]
    search = page.locator("#account-search")
    search.press_sequentially("thorn", delay=20)
    expect(page.locator("#search-results [data-result]")).to_have_count(2)
    search.press("ArrowDown")
    audit.check(page, "clerk: home, search matches open, one chosen")
    audit.visit(page, f"{base}/accounts/search/?q=thorn", "clerk: search results page")
    audit.visit(page, f"{base}/accounts/{account.pk}/", "clerk: account page")
    page.goto(f"{base}/payments/take/")
    page.locator("#id_account_0").press_sequentially("thorn", delay=20)
    expect(page.locator("#lookup-0 [data-pay-pick]")).to_have_count(2)
    page.locator("#id_account_0").press("ArrowDown")
    audit.check(page, "clerk: payment screen, match list open")
    page.goto(f"{base}/payments/take/")
    page.fill("#id_amount_0", "abc")
    page.click("#post-payment")
    expect(page.locator("#pay-screen [aria-invalid=true]").first).to_be_visible()
    audit.check_error(page, "clerk: payment screen with errors")
    for path in (
        f"/payments/receipts/{world['receipt'].pk}/",
        "/payments/receipts/",
        "/payments/misc/",
        "/payments/drawer/close/",
        f"/adjustments/new/?account={account.pk}",
        "/adjustments/mine/",
        f"/accounts/{account.pk}/notes/new/",
    ):
        audit.visit(page, f"{base}{path}", f"clerk: {path}")
    page.goto(f"{base}/adjustments/new/?account={account.pk}")
    page.locator("form.form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    audit.check_error(page, "clerk: adjustment request with errors")


def _coordinator_states(page: Page, audit: Audit, base: str, world: dict[str, Any]) -> None:
    for path in (
        "/payments/drawer/open/",
        f"/accounts/{world['account'].pk}/flags/new/",
        f"/payments/batches/{world['batch'].pk}/",
        "/payments/batches/exceptions/",
        f"/adjustments/{world['request'].pk}/",
        "/adjustments/gl/new/",
        f"/adjustments/gl/{world['draft'].pk}/",
        f"/adjustments/masters/{world['master'].pk}/",
        "/adjustments/reports/register/",
        "/adjustments/reports/pending/",
        "/billing/quote/",
        "/billing/reads/exceptions/",
        "/billing/reads/import/",
        "/billing/runs/",
        "/payments/reports/journal/",
    ):
        audit.visit(page, f"{base}{path}", f"coordinator: {path}")
    page.goto(f"{base}/payments/batches/exceptions/")
    row = page.locator("#exception-items form").first
    row.locator("input[name=account]").fill("no such account")
    row.locator("button[value=post]").click()
    page.wait_for_load_state("networkidle")
    audit.check_error(page, "coordinator: exceptions queue with errors")
    page.goto(f"{base}/adjustments/gl/{world['draft'].pk}/")
    page.locator("form button[type=submit]").last.click()  # debits and credits differ
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-error-summary]")).to_contain_text("Nothing was saved")
    audit.check(page, "coordinator: GL journal out of balance")
    page.select_option("#id_lines-0-gl_account", index=0)  # an amount with no GL account
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    audit.check_error(page, "coordinator: GL journal with errors")


def _supervisor_states(page: Page, audit: Audit, base: str, world: dict[str, Any]) -> None:
    for path in ("/payments/reports/tenders/", "/payments/reports/gl/", "/adjustments/queue/"):
        audit.visit(page, f"{base}{path}", f"supervisor: {path}")


def test_it_finds_no_wcag_21_aa_violations_on_the_pages_each_role_uses(
    live_server, browser
) -> None:
    world = _world()
    base = live_server.url
    audit = Audit()

    anonymous = axe_context(browser).new_page()
    anonymous.goto(f"{base}/login/")
    audit.check(anonymous, "login page")
    anonymous.fill("#id_username", "alice")
    anonymous.fill("#id_password", "wrong password")
    anonymous.press("#id_password", "Enter")
    anonymous.wait_for_load_state("networkidle")
    audit.check_error(anonymous, "login with errors")

    walks = [_clerk_states, _coordinator_states, _supervisor_states]
    for user, walk in zip(world["users"], walks, strict=True):
        page = axe_context(browser).new_page()
        sign_in(page, base, user.username)
        for href in _nav_links(page, base):
            audit.visit(page, f"{base}{href}", f"{user.username}: nav {href}")
        page.goto(f"{base}/")
        walk(page, audit, base, world)
        page.context.close()

    assert audit.states >= 40, audit.states
    assert not audit.failures, "\n".join(audit.failures)
