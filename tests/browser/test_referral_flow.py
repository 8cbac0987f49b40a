"""In Chromium: a coordinator refers an account from the review list and downloads the
placement file; a supervisor writes off the referred account's balance; a clerk takes a
deposit at the counter from the account's deposit page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from billing_site.common import roles
from collections_app.models import Referral, WriteOff
from ledger.models import BusinessDay
from ledger.selectors import deposit_held
from payments import services as payments
from payments.models import Payment
from tests.browser.conftest import sign_in
from tests.collections_app.referral_helpers import agency, final_owing
from tests.factories import make_account, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _csp_watch(page) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security" in m.text else None)
    return seen


def test_a_coordinator_refers_and_a_supervisor_writes_off(
    live_server, browser: Browser, tmp_path: Path
) -> None:
    coordinator = make_user("bob", roles.COORDINATOR)
    make_user("carol", roles.SUPERVISOR)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    account = final_owing(coordinator, "240.00")
    agency(fee_flat=None)
    page = browser.new_page(accept_downloads=True)
    csp = _csp_watch(page)
    sign_in(page, live_server.url, "bob")
    page.goto(f"{live_server.url}/collections/referrals/review/")
    row = page.locator("#referral-review tbody tr", has_text=account.number)
    expect(row).to_contain_text("Owes $240.00")
    row.get_by_role("checkbox").check()
    page.select_option("#id_agency", label="Acme Recovery")
    page.click("#refer-button")
    expect(page.locator("h1")).to_contain_text("with Acme Recovery")
    with page.expect_download() as caught:
        page.click("#placement-file")
    saved = tmp_path / "placement.csv"
    caught.value.save_as(saved)
    (line,) = csv.DictReader(io.StringIO(saved.read_text()))
    assert line["account"] == account.number and line["total_referred"] == "240.00"
    assert Referral.objects.get(account=account).status == "active"
    assert not csp

    boss = browser.new_page()
    sign_in(boss, live_server.url, "carol")
    boss.goto(f"{live_server.url}/accounts/{account.pk}/")
    boss.get_by_role("link", name="Write off").click()
    boss.fill("#id_reason", "Agency reports the customer cannot be found")
    boss.get_by_role("button", name="Write off").click()
    expect(boss.locator("h1")).to_contain_text("Write-offs")
    written = WriteOff.objects.get(account=account)
    account.refresh_from_db()
    assert written.status == "posted" and written.amount == D("240.00")
    assert account.balance.amount == D("0.00")


def test_a_clerk_takes_a_deposit_at_the_counter(live_server, browser: Browser) -> None:
    coordinator = make_user("bob", roles.COORDINATOR)
    clerk = make_user("alice", roles.CLERK)
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    account = make_account(coordinator)
    payments.drawer_open(counts={"d20": 5}, acting_user=clerk)
    page = browser.new_page()
    csp = _csp_watch(page)
    sign_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.click("#deposit-link")
    page.fill("#id_counter_amount", "100.00")
    page.select_option("#id_counter_tender", "cash")
    page.fill("#id_counter_cash_given", "100.00")
    page.click("#deposit-counter-take")
    expect(page.locator("body")).to_contain_text("Security deposit (held for the account")
    payment = Payment.objects.get()
    assert payment.lines.get().is_deposit and deposit_held(account.pk) == D("100.00")
    account.refresh_from_db()
    assert account.balance.amount == D("0.00")
    assert not csp
