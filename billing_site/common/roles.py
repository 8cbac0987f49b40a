"""Roles are Django groups; each app's data migration grants its permissions to them.

Views check permissions with ``permission_required``; services repeat the check
with :func:`require_perm`, so a call that skips the view is refused too.

Permissions and role names are cached per session (``RoleCacheMiddleware``)
under a version stamp, ``common.RolesVersion``. Any change to a group, a
permission, a group's permissions or a user's groups or own permissions bumps
the stamp in the same transaction (signals below, and after every ``migrate``),
so each session reads its permissions again on its next request: a role taken
away is refused from the next page on. The stamp comes with the user row
(``CachedRolesBackend.get_user``), so a page with a warm cache spends no query
on permissions or roles. Changes made with raw SQL, bypassing the signals, take
effect when the stamp is next bumped (``bump_roles_version()``) or on a new login.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Subquery
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpRequest

from .models import RolesVersion

CLERK = "Clerk"
COORDINATOR = "Coordinator"
SUPERVISOR = "Supervisor"
FIELD_TECHNICIAN = "Field technician"
AUDITOR = "Auditor"
ADMINISTRATOR = "Administrator"
ALL_ROLES = (CLERK, COORDINATOR, SUPERVISOR, FIELD_TECHNICIAN, AUDITOR, ADMINISTRATOR)


def require_perm(user: Any, *perms: str) -> None:
    """Raise PermissionDenied unless ``user`` is active and holds every permission."""
    if user is None or not user.is_active or not user.has_perms(perms):
        raise PermissionDenied("You do not have permission to do that.")


def grant(apps: Any, app_label: str, role_perms: dict[str, list[tuple[str, str]]]) -> None:
    """Data-migration helper: give each role the (model, codename) permissions listed.

    Permissions are created here if Django's post_migrate has not made them yet,
    so a fresh database has working roles straight after ``migrate``.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for role, perms in role_perms.items():
        group, _ = Group.objects.get_or_create(name=role)
        for model, codename in perms:
            ct, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            perm, _ = Permission.objects.get_or_create(
                content_type=ct,
                codename=codename,
                defaults={"name": codename.replace("_", " ").capitalize()},
            )
            group.permissions.add(perm)


# -- permissions cached per session --------------------------------------------

SESSION_KEY = "_roles_cache"
_STAMP = "_roles_version"  # attribute the backend puts on the user it loads


class CachedRolesBackend(ModelBackend):
    """Django's ModelBackend, loading the roles version stamp with the user row."""

    def get_user(self, user_id: Any) -> User | None:
        stamp = Subquery(RolesVersion.objects.filter(pk=1).values("value")[:1])
        try:
            user = User._default_manager.annotate(**{_STAMP: stamp}).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def load_cached_roles(request: HttpRequest) -> None:
    """Give the signed-in user the permissions and role names cached in the session,
    or read them once and cache them when the stamp has moved since."""
    user: Any = request.user  # gets Django's own per-object permission caches set
    if not user.is_authenticated:
        return
    key = [user.pk, user.is_superuser, _stamp_of(user)]
    cached = request.session.get(SESSION_KEY)
    if isinstance(cached, dict) and cached.get("key") == key:
        user._user_perm_cache = set(cached["user"])
        user._group_perm_cache = set(cached["group"])
        user._perm_cache = user._user_perm_cache | user._group_perm_cache
        user._role_names = cached["roles"]
        user._role_ids = cached.get("role_ids")
        if user._role_ids is not None:
            return
    backend = ModelBackend()
    groups = sorted(user.groups.values_list("name", "pk"))
    user._role_names = [name for name, _pk in groups]
    user._role_ids = [pk for _name, pk in groups]
    request.session[SESSION_KEY] = {
        "key": key,
        "user": sorted(backend.get_user_permissions(user)),
        "group": sorted(backend.get_group_permissions(user)),
        "roles": user._role_names,
        "role_ids": user._role_ids,
    }


def _stamp_of(user: Any) -> int | None:
    if hasattr(user, _STAMP):
        return getattr(user, _STAMP)
    # Loaded by some other path (not CachedRolesBackend): one query for the stamp.
    return RolesVersion.objects.filter(pk=1).values_list("value", flat=True).first()


def bump_roles_version() -> None:
    """Every session reads its permissions and roles again on its next request."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RolesVersion._meta.db_table} (id, value) VALUES (1, 1)"
            " ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value + "
            f"{RolesVersion._meta.db_table}.value"
        )


def _bump(*args: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "post_").startswith("post_"):  # m2m: after add/remove/clear
        bump_roles_version()


def connect_role_signals() -> None:
    """Called from ``CommonConfig.ready()``."""
    for through in (
        User.groups.through,
        User.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_bump, sender=through, dispatch_uid=f"roles-{through.__name__}")
    for model in (Group, Permission):
        post_save.connect(_bump, sender=model, dispatch_uid=f"roles-save-{model.__name__}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"roles-delete-{model.__name__}")
    post_migrate.connect(_bump, dispatch_uid="roles-migrate")


# -- one service acting for another ---------------------------------------------


@contextmanager
def acting_with(user: Any, perms: Iterable[str]) -> Iterator[None]:
    """Let ``user`` hold ``perms`` for the calls inside the block only.

    For a service whose own permission implies the permissions of the services it
    calls (completing a stop order posts the final bill): the technician may complete
    the order, and so, for that completion only, record the final read and post the
    bill, with history naming the technician. The role itself never holds them, so
    the pages of those services stay refused.
    """
    if not user.is_active:
        raise PermissionDenied("You do not have permission to do that.")
    user.get_all_permissions()  # fill Django's per-object cache first
    before = set(user._perm_cache)
    user._perm_cache = before | set(perms)
    try:
        yield
    finally:
        user._perm_cache = before
