"""The top navigation (billing_site.common.navigation): the links each set of permissions
sees, kept per set and never another user's, and every badge of a page in one statement."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from billing_site.common import navigation, roles

pytestmark = pytest.mark.django_db


def _nav(user: User) -> str:
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    return html[html.index('<nav class="topnav"') : html.index("</nav>")]


def test_it_shows_each_user_the_links_of_their_own_permissions(alice, carol, dave):
    supervisor, clerk, technician = _nav(carol), _nav(alice), _nav(dave)
    assert 'id="nav-voids"' in supervisor and 'href="/payments/closeout/"' in supervisor
    assert 'id="nav-voids"' not in clerk and 'id="nav-my-orders"' not in clerk
    assert 'id="nav-my-orders"' in technician and 'id="nav-voids"' not in technician
    assert _nav(carol) == supervisor  # from the kept pieces, the same


def test_it_follows_a_role_change_on_the_next_page(alice):
    client = Client()
    client.force_login(alice)
    assert 'id="nav-voids"' not in client.get("/").content.decode()
    alice.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    assert 'id="nav-voids"' in client.get("/").content.decode()


def test_it_prints_staff_links_to_staff_only(frank, alice):
    assert 'href="/admin/"' in _nav(frank)
    assert 'href="/admin/"' not in _nav(alice)


def test_it_counts_every_badge_of_the_page_in_one_statement(carol):
    client = Client()
    client.force_login(carol)
    client.get("/")
    with CaptureQueriesContext(connection) as done:
        client.get("/")
    counting = [q["sql"] for q in done.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counting) == 1
    assert all(t in counting[0] for t in ("payments_payment", "adjustments_refund", "workitem"))


def test_it_takes_a_count_the_page_already_knows_and_zero_for_what_cannot_match(rf, carol):
    request = rf.get("/")
    request.user = carol
    request._my_work_count = 7
    navigation.register_badge("nothing", lambda request: User.objects.filter(pk__in=[]))
    try:
        with CaptureQueriesContext(connection) as done:
            counts = navigation.badge_counts(request, ("my_work", "nothing"))
    finally:
        del navigation.BADGES["nothing"]
    assert counts == {"my_work": 7, "nothing": 0} and len(done) == 0


def test_it_prints_a_badge_only_when_there_is_something_to_count(rf, carol):
    request = rf.get("/")
    request.user = carol
    request._my_work_count = 3
    html = navigation.topnav_html(request)
    assert re.search(r'id="nav-my-work">My work <span class="badge">3</span></a>', html)
    assert 'id="nav-voids">Voids</a>' in html  # none waiting: no badge
