"""In Chromium: a coordinator assigns three lockbox exceptions to a clerk, the clerk works
one from "My work" on the exceptions page, and the office page's counts drop.

Runs against the live test server with real transactions (the items open and close on
commit, as in production); ``serialized_rollback`` restores the roles.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from billing_site.common import roles
from ledger.models import BusinessDay
from tests.browser.conftest import sign_in
from tests.factories import make_user
from tests.work_queues.helpers import exceptions_of, lockbox_file_in
from work_queues.models import WorkItem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


def test_a_coordinator_assigns_three_exceptions_and_the_clerk_works_one(live_server, browser):
    coordinator = make_user("bob", roles.COORDINATOR)
    clerk = make_user("alice", roles.CLERK)  # the clerk who works the mail and lockbox
    clerk.user_permissions.add(Permission.objects.get(codename="manage_batches"))
    BusinessDay.objects.create(date=dt.date(2026, 11, 23), opened_by=coordinator)
    rows = exceptions_of(lockbox_file_in(coordinator, 3))
    assert len(rows) == 3
    items = WorkItem.objects.filter(kind="lockbox_exception", status="open")
    assert items.count() == 3  # opened when the import finished

    page = browser.new_page()
    sign_in(page, live_server.url, coordinator.username)
    page.locator("#nav-office-work").click()
    kind_row = page.locator("#panel-queue-sizes tr[data-kind='lockbox_exception']")
    expect(kind_row.locator(".open-count")).to_have_text("3")
    for item in items:
        page.locator(f"#pick-{item.pk}").check()
    page.select_option("#id_assignee", label="alice")
    page.get_by_role("button", name="Assign ticked items").click()
    expect(page.locator(".messages")).to_contain_text("3 items assigned.")
    alice_row = page.locator("#by-person tr", has_text="alice")
    expect(alice_row.locator(".open-count")).to_have_text("3")
    sign_out(page)

    sign_in(page, live_server.url, clerk.username)
    expect(page.locator("#nav-my-work .badge")).to_have_text("3")
    page.locator("#nav-my-work").click()
    expect(page.locator("#work-items tbody tr")).to_have_count(3)
    first = rows[0]
    page.locator("#work-items tr[data-kind='lockbox_exception'] a.work-open").first.click()
    page.wait_for_url("**/payments/batches/exceptions/**")
    page.fill(f"#item{first.pk}-reason", "No such account; sent back to the bank")
    page.locator(f"form[action$='/items/{first.pk}/resolve/'] button[value='reject']").click()
    expect(page.locator(".messages")).to_contain_text("rejected")
    page.locator("#nav-my-work").click()
    expect(page.locator("#work-items tbody tr")).to_have_count(2)
    expect(page.locator("#nav-my-work .badge")).to_have_text("2")
    sign_out(page)

    sign_in(page, live_server.url, coordinator.username)
    page.locator("#nav-office-work").click()
    expect(page.locator("#by-person tr", has_text="alice").locator(".open-count")).to_have_text("2")
    expect(kind_row.locator(".open-count")).to_have_text("2")
    done = WorkItem.objects.get(source_key=f"remittance_item:{first.pk}")
    assert done.status == "done" and done.closed_by == clerk
