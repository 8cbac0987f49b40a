"""Permissions and role names cached per session under the roles version stamp."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing_site.common import roles
from billing_site.common.models import RolesVersion

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def search(client):
    """The search fragment: a page that needs ``accounts.view_account`` and shows roles."""
    return client.get(reverse("accounts:search"), {"q": "zzzz"}, **HTMX)


def view_account() -> Permission:
    return Permission.objects.get(codename="view_account", content_type__app_label="accounts")


def stamp() -> int | None:
    return RolesVersion.objects.values_list("value", flat=True).first()


def test_it_reads_permissions_once_then_spends_no_query_on_them(client, alice):
    client.force_login(alice)
    with CaptureQueriesContext(connection) as cold:
        assert search(client).status_code == 200
    assert any("auth_permission" in q["sql"] for q in cold.captured_queries)
    # Warm: the session, the user row (with the stamp) and the search itself; before
    # the cache every page also read the user's permissions, the group's and the roles.
    with CaptureQueriesContext(connection) as warm:
        assert search(client).status_code == 200
    assert len(warm) == 3
    assert not [q for q in warm.captured_queries if "auth_permission" in q["sql"]]
    assert not [q for q in warm.captured_queries if "auth_group" in q["sql"]]
    assert len(cold) - len(warm) >= 3


def test_it_shows_the_role_names_from_the_cache(client, alice):
    client.force_login(alice)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("home")).content.decode()
    assert roles.CLERK in html
    assert not [q for q in captured.captured_queries if "auth_group" in q["sql"]]


def test_it_refuses_a_role_taken_away_on_the_next_request(client, alice):
    client.force_login(alice)
    assert search(client).status_code == 200
    assert search(client).status_code == 200  # served from the cache
    alice.groups.remove(Group.objects.get(name=roles.CLERK))
    assert search(client).status_code == 403


def test_it_refuses_a_permission_taken_from_the_group_on_the_next_request(client, alice):
    client.force_login(alice)
    assert search(client).status_code == 200
    Group.objects.get(name=roles.CLERK).permissions.remove(view_account())
    assert search(client).status_code == 403


def test_it_grants_a_role_given_on_the_next_request(client, frank):
    client.force_login(frank)
    assert search(client).status_code == 403  # administrators do not search accounts
    frank.groups.add(Group.objects.get(name=roles.CLERK))
    assert search(client).status_code == 200


def test_it_refuses_when_the_permission_itself_is_deleted(client, alice):
    client.force_login(alice)
    assert search(client).status_code == 200
    view_account().delete()  # cascades to the group's grant without an m2m signal
    assert search(client).status_code == 403


def test_it_never_serves_one_users_cache_to_another(client, bob, frank):
    client.force_login(bob)
    assert search(client).status_code == 200
    client.force_login(frank)  # same browser, another user
    assert search(client).status_code == 403


def test_it_bumps_the_stamp_in_the_same_transaction_as_the_change(alice):
    before = stamp() or 0
    alice.groups.clear()
    Group.objects.create(name="Temporary")
    assert stamp() == before + 2


def test_it_sees_raw_sql_grants_once_the_stamp_is_bumped(client, frank):
    client.force_login(frank)
    assert search(client).status_code == 403
    clerk = Group.objects.get(name=roles.CLERK)
    with connection.cursor() as cursor:  # behind the signals' back
        cursor.execute(
            "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [frank.pk, clerk.pk]
        )
    assert search(client).status_code == 403  # still the cached permissions
    roles.bump_roles_version()
    assert search(client).status_code == 200


def test_it_still_checks_users_without_a_stamp(alice, rf):
    """A user loaded another way (no stamp attribute) gets the stamp by one query."""
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.user, request.session = alice, SessionStore()
    roles.load_cached_roles(request)
    assert alice.has_perm("accounts.view_account")
    assert request.session[roles.SESSION_KEY]["roles"] == [roles.CLERK]
