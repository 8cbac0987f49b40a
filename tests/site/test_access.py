"""Walk every URL pattern: anonymous users go to login, each role reaches only its pages.

A new URL pattern fails this test until its expected roles are added to ALLOWED.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import services as account_services
from accounts.choices import FlagKind
from billing_site.common import roles
from ledger import services as ledger_services
from tests.adjustments.helpers import adjustments_url_values
from tests.adjustments.refund_helpers import refund_url_values
from tests.billing.bill_helpers import bill_url_values
from tests.billing.helpers import billing_url_values
from tests.collections_app.helpers import collections_url_values
from tests.factories import make_account, make_user, service
from tests.ledger.gl_helpers import gl_url_values
from tests.payments.helpers import payments_url_values
from tests.payments.url_values import batch_url_values
from tests.service_orders.url_values import service_order_url_values
from tests.work_queues.url_values import work_queue_url_values

CLERK, COORD, SUP, TECH, AUDIT, ADMIN = (
    roles.CLERK,
    roles.COORDINATOR,
    roles.SUPERVISOR,
    roles.FIELD_TECHNICIAN,
    roles.AUDITOR,
    roles.ADMINISTRATOR,
)
EVERYONE = {CLERK, COORD, SUP, TECH, AUDIT, ADMIN}
READERS = {CLERK, COORD, SUP, TECH, AUDIT}
MAINTAINERS = {COORD, SUP}

# URL name -> roles that may GET it (others get 403).
ALLOWED: dict[str, set[str]] = {
    "home": EVERYONE,
    "role_changes": {AUDIT, ADMIN},
    "dashboard": {COORD, SUP, AUDIT},
    "accounts:search": READERS,
    "accounts:detail": READERS,
    "accounts:open": MAINTAINERS,
    "accounts:party_search": MAINTAINERS,
    "accounts:customer_edit": MAINTAINERS,
    "accounts:status": MAINTAINERS,
    "accounts:note_add": {CLERK, COORD, SUP, TECH},
    "accounts:flag_set": MAINTAINERS,
    "accounts:flag_clear": MAINTAINERS,
    "accounts:master": MAINTAINERS,
    "accounts:master_set": MAINTAINERS,
    "accounts:sub_attach": MAINTAINERS,
    "accounts:sub_detach": MAINTAINERS,
    "payments:index": {CLERK, COORD, SUP},
    "payments:drawer_open": {CLERK, COORD, SUP},
    "payments:drawer_close": {CLERK, COORD, SUP},
    "payments:drawer": {COORD, SUP, AUDIT},  # a clerk sees only an own drawer
    "payments:drawer_reopen": {SUP},
    "payments:take": {CLERK, COORD, SUP},
    "payments:lookup": {CLERK, COORD, SUP},
    "payments:misc": {CLERK, COORD, SUP},
    "payments:receipt": {CLERK, COORD, SUP, AUDIT},
    "payments:receipts": {CLERK, COORD, SUP, AUDIT},
    "payments:receipt_print": {CLERK, COORD, SUP, AUDIT},
    "payments:receipt_pdf": {CLERK, COORD, SUP, AUDIT},
    "payments:void": {SUP},
    "payments:void_request": {CLERK, COORD, SUP},
    "payments:void_decline": {SUP},
    "payments:void_queue": {SUP},
    "payments:closeout": {SUP},
    "payments:closeout_detail": {COORD, SUP, AUDIT},
    "payments:deposit_slip": {COORD, SUP, AUDIT},
    "payments:return_payment": {COORD, SUP},
    "payments:return_item": {COORD, SUP},
    "payments:batches": {COORD, SUP, AUDIT},
    "payments:lockbox_upload": {COORD, SUP},
    "payments:exceptions": {COORD, SUP},
    "payments:batch": {COORD, SUP, AUDIT},
    "payments:batch_progress": {COORD, SUP, AUDIT},
    "payments:batch_retry": {COORD, SUP},
    "common:task_progress": {COORD, SUP, AUDIT},  # the lockbox task's view permission
    "payments:batch_item_add": {COORD, SUP},
    "payments:batch_post": {COORD, SUP},
    "payments:batch_item_remove": {COORD, SUP},
    "payments:batch_item_edit": {COORD, SUP},
    "payments:batch_cancel": {COORD, SUP},
    "payments:item_resolve": {COORD, SUP},
    "payments:reports": {COORD, SUP, AUDIT},
    "payments:report": {COORD, SUP, AUDIT},
    "adjustments:index": {CLERK, COORD, SUP, AUDIT},
    "adjustments:queue": {COORD, SUP, AUDIT},
    "adjustments:mine": {CLERK, COORD, SUP},
    "adjustments:new": {CLERK, COORD, SUP},
    "adjustments:transfer": {CLERK, COORD, SUP},
    "adjustments:withdraw": {CLERK, COORD, SUP},
    "adjustments:detail": {COORD, SUP, AUDIT},
    "adjustments:attachment": {COORD, SUP, AUDIT},
    "adjustments:register": {COORD, SUP, AUDIT},
    "adjustments:pending": {COORD, SUP, AUDIT},
    "adjustments:approve": {COORD, SUP},
    "adjustments:reject": {COORD, SUP},
    "adjustments:masters": {COORD, SUP},
    "adjustments:consolidation": {COORD, SUP},
    "adjustments:gl_new": {COORD, SUP},
    "adjustments:gl_edit": {COORD, SUP},
    "adjustments:reverse": {SUP},
    "adjustments:refunds": {COORD, SUP, AUDIT},
    "adjustments:refund_new": {COORD, SUP},
    "adjustments:refund_register": {COORD, SUP, AUDIT},
    "adjustments:refund_export": {COORD, SUP},  # POST-only
    "adjustments:refund_export_file": {COORD, SUP, AUDIT},
    "adjustments:refund": {COORD, SUP, AUDIT},
    "adjustments:refund_approve": {SUP},
    "adjustments:refund_reject": {SUP},
    "adjustments:refund_withdraw": {COORD, SUP},
    "accounts:forwarding": MAINTAINERS,
    "ledger:gl_exports": {COORD, SUP, AUDIT},
    "ledger:gl_export": {COORD, SUP},  # POST-only
    "ledger:gl_file": {COORD, SUP, AUDIT},
    "billing:rates": EVERYONE,
    "billing:rate_file": {ADMIN},
    "billing:quote": {COORD, SUP, ADMIN},
    "billing:exceptions": EVERYONE,
    "billing:exception_resolve": {COORD, SUP},
    "billing:read_import_upload": {COORD, SUP},
    "billing:read_import": EVERYONE,
    "billing:route_sheet": EVERYONE,
    "billing:agreement_add": {COORD, SUP},
    "billing:agreement_end": {COORD, SUP},
    "billing:meter_install": {COORD, SUP},
    "billing:meter_remove": {COORD, SUP},
    "billing:read_record": {COORD, SUP, TECH},
    "billing:route_file": EVERYONE,
    "billing:runs": {CLERK, COORD, SUP, AUDIT, ADMIN},
    "billing:run": {CLERK, COORD, SUP, AUDIT, ADMIN},
    "billing:run_recalculate": MAINTAINERS,  # POST-only
    "billing:bill": {CLERK, COORD, SUP, AUDIT, ADMIN},
    "billing:bill_pdf": {CLERK, COORD, SUP, AUDIT, ADMIN},
    "billing:bill_recalculate": MAINTAINERS,  # POST-only
    "collections:aging_list": {COORD, SUP, AUDIT},
    "collections:aging": {COORD, SUP, AUDIT},
    "collections:aging_cell": {COORD, SUP, AUDIT},
    "collections:explain": {CLERK, COORD, SUP, AUDIT},
    "collections:account_letters": {CLERK, COORD, SUP, AUDIT},
    "collections:letter_pdf": {CLERK, COORD, SUP, AUDIT},
    "collections:owner": MAINTAINERS,
    "collections:late_fees": {COORD, SUP, AUDIT},
    "collections:late_fee_run": {COORD, SUP, AUDIT},
    "collections:late_fee_waive": MAINTAINERS,
    "collections:notices": {COORD, SUP, AUDIT},
    "collections:notice_run": {COORD, SUP, AUDIT},
    "collections:notice_print": MAINTAINERS,  # POST-only
    "collections:notice_letters": {COORD, SUP, AUDIT},
    "collections:plans": {COORD, SUP, AUDIT},
    "collections:dashboard": {COORD, SUP, AUDIT},
    "collections:dashboard_compute_month_ends": {SUP},  # POST-only
    "collections:plan": {COORD, SUP, AUDIT},
    "collections:plan_new": {COORD, SUP},
    "collections:deposit": {CLERK, COORD, SUP, AUDIT},
    "collections:deposit_review": {CLERK, COORD, SUP, AUDIT},
    "collections:write_off": {SUP},
    "collections:write_offs": {COORD, SUP, AUDIT},
    "collections:referrals": {COORD, SUP, AUDIT},
    "collections:referral_review": {COORD, SUP, AUDIT},
    "collections:placement": {COORD, SUP, AUDIT},
    "collections:placement_file": {COORD, SUP, AUDIT},
    "collections:referral_recall": MAINTAINERS,
    "collections:remittances": {COORD, SUP, AUDIT},
    "billing:bill_cancel": MAINTAINERS,
    "billing:bill_rebill": MAINTAINERS,  # POST-only
    "billing:bill_rebill_estimate": MAINTAINERS,  # POST-only
    "billing:import_rebill_estimates": MAINTAINERS,  # POST-only
    "billing:stop_service": MAINTAINERS,
    "billing:charge_post": MAINTAINERS,
    "billing:charge_queue": {CLERK, COORD, SUP, AUDIT, ADMIN},
    "billing:charge_decide": MAINTAINERS,  # POST-only
    "billing:budget": {CLERK, COORD, SUP, AUDIT, ADMIN},
    "billing:run_print": MAINTAINERS,  # POST-only
    "billing:run_print_pdf": MAINTAINERS,  # the print shop's file: every customer's bill
    "billing:run_print_csv": MAINTAINERS,
    "service_orders:board": MAINTAINERS,
    "service_orders:mine": {TECH},
    "service_orders:detail": {CLERK, COORD, SUP, AUDIT},  # a technician: only own orders
    "service_orders:start": {TECH},  # POST-only
    "service_orders:complete": set(),  # only the assigned technician (403 for the others)
    "service_orders:cancel": {CLERK, COORD, SUP},
    "service_orders:work_order_pdf": {CLERK, COORD, SUP, AUDIT},
    "service_orders:photo": {CLERK, COORD, SUP, AUDIT},
    "service_orders:route_sheet": MAINTAINERS,
    "service_orders:counter_order": {CLERK, COORD, SUP},
    "service_orders:disconnect_orders": MAINTAINERS,  # POST-only
    "work_queues:mine": {CLERK, COORD, SUP, AUDIT},
    "work_queues:take": {CLERK, COORD, SUP},  # POST-only
    "work_queues:done": {CLERK, COORD, SUP},  # POST-only
    "work_queues:cancel": {CLERK, COORD, SUP},
    "work_queues:followup_add": {CLERK, COORD, SUP},  # POST-only
    "work_queues:office": MAINTAINERS,
    "work_queues:workload": {COORD, SUP, AUDIT},
    "work_queues:panel_queue_sizes": MAINTAINERS,
    "work_queues:panel_done_this_week": MAINTAINERS,
    "service_orders:transfer": {CLERK, COORD, SUP},
    "service_orders:reread_order": {CLERK, COORD, SUP},  # POST-only
}
PUBLIC = {"login"}
# POST-only: sign-out (covered by the login tests) and "stay signed in"
# (tests/common/test_session_ui.py).
SKIPPED = {"logout", "session_keepalive"}


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin checks is_staff itself; see test_it_keeps_the_admin_for_staff
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def _fill(route: str, values: dict[str, int]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(2)
        assert name in values, f"no test value for URL argument {name!r} in {route}"
        return str(values[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


@pytest.fixture
def url_values(bob, carol, business_day) -> dict[str, int]:
    master = make_account(bob, is_master=True)
    sub = make_account(bob, master=master)
    ledger_services.post_charges(
        account=sub, charges=[(service("WATER"), Decimal("5.00"))], memo="Bill", acting_user=bob
    )
    flag = account_services.flag_set(
        account=master, kind=FlagKind.CASH_ONLY, reason="Two returned checks", acting_user=bob
    )
    collections = collections_url_values(bob, carol, sub)
    return {
        "pk": master.pk,
        "flag_pk": flag.pk,
        "sub_pk": sub.pk,
        **payments_url_values(bob, sub),
        **batch_url_values(bob, sub),
        **adjustments_url_values(bob, carol, sub),
        **billing_url_values(bob, sub),
        **bill_url_values(bob),
        **collections,
        **refund_url_values(bob, carol),
        **service_order_url_values(bob, sub, collections["notice_pk"]),
        **work_queue_url_values(bob, sub),
        **gl_url_values(carol),  # closes the open day: last
    }


def _routes() -> list[tuple[str, str]]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def test_it_knows_every_url_pattern() -> None:
    unknown = [
        name for name, _ in _routes() if name not in ALLOWED | dict.fromkeys(PUBLIC | SKIPPED)
    ]
    assert not unknown, f"add these URL names to ALLOWED in {__file__}: {unknown}"


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_login_everywhere(client: Client, url_values) -> None:
    for name, route in _routes():
        if name in PUBLIC | SKIPPED:
            continue
        response = client.get(_fill(route, url_values))
        assert response.status_code == 302, name
        assert response.headers["Location"].startswith("/login/"), name


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_it_lets_each_role_reach_only_its_pages(role: str, url_values) -> None:
    client = Client()
    client.force_login(make_user(f"user-{role.lower().replace(' ', '-')}", role))
    for name, route in _routes():
        if name in PUBLIC | SKIPPED:
            continue
        url = _fill(route, url_values)
        status = client.get(url).status_code
        if role in ALLOWED[name]:
            assert status in (200, 302, 405), f"{role} should reach {name}, got {status}"
        else:
            assert status in (403, 405), f"{role} must be refused {name}, got {status}"
            if status == 405:  # a POST-only view: the POST itself must be refused
                posted = client.post(url, {}).status_code
                assert posted == 403, f"{role} must be refused POST {name}, got {posted}"


@pytest.mark.django_db
def test_it_keeps_the_admin_for_staff(client: Client, alice, frank) -> None:
    client.force_login(alice)
    assert client.get("/admin/").status_code == 302  # to the admin login: not staff
    client.force_login(frank)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/ledger/glaccount/").status_code == 200


@pytest.mark.django_db
def test_an_administrator_keeps_the_holidays(client: Client, frank) -> None:
    assert frank.has_perm("ledger.add_holiday") and frank.has_perm("ledger.change_holiday")
    client.force_login(frank)
    assert client.get("/admin/ledger/holiday/add/").status_code == 200
    response = client.post(
        "/admin/ledger/holiday/add/", {"date": "2026-12-25", "name": "Christmas Day"}
    )
    assert response.status_code == 302
