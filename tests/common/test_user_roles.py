"""Only superusers grant superuser, staff and roles beyond the granter's own; nobody changes
their own roles; every role change is history that auditors can read."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core import serializers
from django.test import Client

from billing_site.common import roles
from billing_site.common.models import RoleChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def grace(db: None) -> User:
    """Grace is the superuser who set the system up."""
    return User.objects.create_superuser("grace", "grace@example.org", "correct-horse-battery")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _change(client: Client, user: User, **changes: Any) -> Any:
    """POST the admin's user change form with the user's current values and ``changes``."""
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    for flag in ("is_staff", "is_superuser"):
        if getattr(user, flag):
            data[flag] = "on"
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    return client.post(f"/admin/auth/user/{user.pk}/change/", data)


def _group(name: str) -> Group:
    return Group.objects.get(name=name)


def test_it_refuses_superuser_to_an_administrator(frank, dave):
    response = _change(client_for(frank), dave, is_superuser=True, is_staff=True)

    dave.refresh_from_db()
    assert (dave.is_superuser, dave.is_staff) == (False, False)
    assert response.status_code in (200, 302)  # the flags are not even on frank's form
    assert not RoleChange.objects.filter(user=dave, kind=RoleChange.Kind.SUPERUSER).exists()


def test_it_refuses_a_role_beyond_the_administrators_own(frank, dave):
    response = _change(client_for(frank), dave, groups=[_group(roles.SUPERVISOR).pk])

    assert response.status_code == 200
    assert "Only a superuser can give the role Supervisor" in response.text
    assert not dave.groups.filter(name=roles.SUPERVISOR).exists()


def test_it_refuses_permissions_beyond_the_administrators_own(frank, dave):
    closeout = Permission.objects.get(codename="run_closeout")
    response = _change(client_for(frank), dave, user_permissions=[closeout.pk])

    assert response.status_code == 200
    assert "payments.run_closeout" in response.text
    assert not dave.user_permissions.exists()


def test_it_refuses_an_administrator_changing_own_roles(frank):
    groups = [_group(roles.ADMINISTRATOR).pk, _group(roles.SUPERVISOR).pk]
    _change(client_for(frank), frank, groups=groups, is_superuser=True)

    frank.refresh_from_db()
    assert list(frank.groups.values_list("name", flat=True)) == [roles.ADMINISTRATOR]
    assert not frank.is_superuser


def test_it_refuses_a_superuser_changing_own_roles(grace):
    _change(client_for(grace), grace, groups=[_group(roles.SUPERVISOR).pk], is_superuser=False)

    grace.refresh_from_db()
    assert grace.is_superuser and not grace.groups.exists()


def test_it_refuses_widening_a_role_one_holds(frank):
    closeout = Permission.objects.get(codename="run_closeout")
    group = _group(roles.ADMINISTRATOR)
    data = {"name": group.name, "permissions": [*group.permissions.values_list("pk", flat=True)]}
    data["permissions"].append(closeout.pk)
    client_for(frank).post(f"/admin/auth/group/{group.pk}/change/", data)

    assert not group.permissions.filter(pk=closeout.pk).exists()


def test_it_refuses_an_administrator_editing_a_superuser(frank, grace):
    assert _change(client_for(frank), grace, first_name="Owned").status_code == 403
    grace.refresh_from_db()
    assert grace.first_name == ""


def test_it_refuses_an_administrator_bulk_deleting_a_superuser(frank, grace):
    frank.user_permissions.add(Permission.objects.get(codename="delete_user"))
    data = {"action": "delete_selected", "_selected_action": [grace.pk], "post": "yes"}
    response = client_for(User.objects.get(pk=frank.pk)).post("/admin/auth/user/", data)

    assert response.status_code == 403
    assert User.objects.filter(pk=grace.pk).exists()


def test_it_lets_an_administrator_give_the_administrator_role(frank, dave):
    response = _change(client_for(frank), dave, groups=[_group(roles.ADMINISTRATOR).pk])

    assert response.status_code == 302
    assert dave.groups.filter(name=roles.ADMINISTRATOR).exists()


def test_it_lets_a_superuser_grant_and_records_it(grace, dave):
    response = _change(
        client_for(grace), dave, is_superuser=True, is_staff=True, groups=[_group(roles.CLERK).pk]
    )

    assert response.status_code == 302
    dave.refresh_from_db()
    assert dave.is_superuser and dave.groups.filter(name=roles.CLERK).exists()
    changes = {
        (c.actor_name, c.target_name, c.kind, c.granted, c.what)
        for c in RoleChange.objects.filter(user=dave)
    }
    assert {
        ("grace", "dave", "superuser", True, "Superuser"),
        ("grace", "dave", "staff", True, "Staff (admin site)"),
        ("grace", "dave", "group", True, roles.CLERK),
        ("grace", "dave", "group", False, roles.FIELD_TECHNICIAN),
    } <= changes


def test_it_records_role_changes_outside_the_admin(dave):
    dave.groups.add(_group(roles.AUDITOR))
    dave.groups.clear()
    _group(roles.CLERK).user_set.add(dave)

    changes = [(c.actor_name, c.granted, c.what) for c in RoleChange.objects.order_by("pk")]
    changes = changes[changes.index(("", True, roles.AUDITOR)) :]
    assert changes[0] == ("", True, roles.AUDITOR)
    assert set(changes[1:3]) == {("", False, roles.FIELD_TECHNICIAN), ("", False, roles.AUDITOR)}
    assert changes[3:] == [("", True, roles.CLERK)]


def test_it_lists_role_changes_for_auditors(erin, alice, grace, dave):
    _change(client_for(grace), dave, groups=[_group(roles.CLERK).pk])

    page = client_for(erin).get("/role-changes/")
    assert page.status_code == 200
    assert "grace" in page.text and roles.CLERK in page.text
    assert client_for(alice).get("/role-changes/").status_code == 403


def test_it_does_not_query_on_sign_in(alice, django_assert_num_queries):
    alice.last_login = None
    with django_assert_num_queries(1):  # the UPDATE only, no look-up of the role flags
        alice.save(update_fields=["last_login"])


def test_it_records_nothing_when_a_copy_is_restored(dave):
    """Fixtures and the serialized test database restore rows; nobody granted anything."""
    dumped = serializers.serialize("json", [_group(roles.CLERK), dave])
    RoleChange.objects.all().delete()
    for restored in serializers.deserialize("json", dumped):
        restored.save()

    assert not RoleChange.objects.exists()
