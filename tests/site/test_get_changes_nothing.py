"""A GET never changes state: every GET URL, as each role, leaves every table as it was.

The demo seeder loads a small office (its users, one per role, and accounts with
a year of history, notes and flags); drawers, receipts, a closeout, batches and
adjustments are added through the services, and the URL patterns' path
arguments are filled from those objects. Then each role GETs every URL of the
urlconf (``test_access`` walks it) and a digest of every table must be what it
was. Only ``django_session`` is left out: the session is the visitor's (its
expiry moves on every request), not the office's records.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.models import Account, AccountFlag
from billing_site.common import roles
from front.management.commands.seed_demo import DEMO_USERS
from ledger import services as ledger_services
from ledger.selectors import open_business_day
from tests.adjustments.helpers import adjustments_url_values
from tests.adjustments.refund_helpers import refund_url_values
from tests.billing.bill_helpers import bill_url_values
from tests.billing.helpers import billing_url_values
from tests.collections_app.helpers import collections_url_values
from tests.factories import make_account, service
from tests.ledger.gl_helpers import gl_url_values
from tests.payments.helpers import payments_url_values
from tests.payments.url_values import batch_url_values
from tests.service_orders.url_values import service_order_url_values
from tests.site.test_access import PUBLIC, SKIPPED, _fill, _routes
from tests.work_queues.url_values import work_queue_url_values

pytestmark = pytest.mark.django_db
NOT_STATE = {"django_session"}


def table_digests() -> dict[str, str]:
    """Row count and an md5 of the rows of every table (one query)."""
    q = connection.ops.quote_name
    tables = sorted(set(connection.introspection.table_names()) - NOT_STATE)
    parts = [
        f"(SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
        f"FROM {q(name)} t)"
        for name in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


@pytest.fixture
def demo() -> dict[str, Any]:
    """The demo office, and a value for every path argument of the urlconf."""
    call_command("seed_demo", accounts=12, batch_size=12, stdout=io.StringIO())
    assert open_business_day() is not None
    users = {spec.role: User.objects.get(username=spec.username) for spec in DEMO_USERS}
    coordinator, supervisor = users[roles.COORDINATOR], users[roles.SUPERVISOR]
    owing = Account.objects.filter(balance__gt=Decimal("10.00"), master__isnull=True).first()
    assert owing is not None, "the demo seeder left no account owing"
    flag = AccountFlag.objects.filter(cleared_at__isnull=True).select_related("account").first()
    master = make_account(coordinator, is_master=True)
    sub = make_account(coordinator, master=master)
    ledger_services.post_charges(
        account=sub,
        charges=[(service("WATER"), Decimal("5.00"))],
        memo="Bill",
        acting_user=coordinator,
    )
    return {
        "users": users,
        "values": {
            "pk": flag.account_id if flag else master.pk,
            "flag_pk": flag.pk if flag else 0,
            "sub_pk": sub.pk,
            **payments_url_values(users[roles.CLERK], owing),
            **batch_url_values(coordinator, owing),
            **adjustments_url_values(coordinator, supervisor, owing),
            **billing_url_values(coordinator, owing),
            **bill_url_values(coordinator),
            **(collections := collections_url_values(coordinator, supervisor, owing)),
            **refund_url_values(coordinator, supervisor),
            **service_order_url_values(coordinator, owing, collections["notice_pk"]),
            **work_queue_url_values(coordinator, owing),
            **gl_url_values(supervisor),  # closes the open day: last
        },
    }


def test_it_changes_no_table_on_any_get_as_any_role(demo: dict[str, Any]) -> None:
    routes = [(name, route) for name, route in _routes() if name not in PUBLIC | SKIPPED]
    changed: list[str] = []
    for role, user in sorted(demo["users"].items()):
        client = Client()
        client.force_login(user)  # signing in writes last_login: before the first digest
        # Each GET's "after" is the next GET's "before": one digest a GET, not two.
        before = table_digests()
        for _name, route in routes:
            url = _fill(route, demo["values"])
            client.get(url)
            after = table_digests()
            changed += [f"{role} GET {url}: {t}" for t in before if before[t] != after[t]]
            before = after
    assert not changed, "\n".join(changed)
