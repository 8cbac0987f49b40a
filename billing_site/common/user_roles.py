"""Who may grant which role, and the history of every grant.

The rules (enforced by the user and group admins, ``billing_site.common.admin``):

* only a superuser sets or clears ``is_superuser`` or ``is_staff``, and only a
  superuser changes another superuser's account;
* anyone else may give a group or a permission only when they hold every
  permission it carries themselves (no granting what you do not have); taking
  one away is no escalation and is allowed;
* nobody changes their own roles (groups, permissions, superuser, staff), nor the
  permissions of a group they belong to.

So an Administrator (who holds user and reference-data permissions, not the
cashiering ones) can create users and give them the Administrator role, while the
counter roles (Clerk, Supervisor ...) are given by a superuser.

Every change, by any path (admin, shell, migration), is recorded as a
:class:`~billing_site.common.models.RoleChange` by the signals below; the acting
user comes from the request simple-history's middleware keeps for the thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db.models.signals import m2m_changed, post_save, pre_save
from simple_history.models import HistoricalRecords

from .models import RoleChange

_ROLE_FLAGS = {"is_superuser": RoleChange.Kind.SUPERUSER, "is_staff": RoleChange.Kind.STAFF}


def perm_name(perm: Permission) -> str:
    return f"{perm.content_type.app_label}.{perm.codename}"


def holds_all(actor: Any, perms: Iterable[Permission]) -> bool:
    """True when ``actor`` holds every one of ``perms`` (a superuser holds everything)."""
    return actor.is_superuser or actor.has_perms([perm_name(p) for p in perms])


def group_refusal(actor: Any, groups: Iterable[Group]) -> str | None:
    """Why ``actor`` may not give these groups, or None."""
    for group in groups:
        if not holds_all(actor, group.permissions.select_related("content_type")):
            return (
                f"Only a superuser can give the role {group.name}: it carries "
                "permissions you do not hold yourself."
            )
    return None


def permission_refusal(actor: Any, perms: Iterable[Permission]) -> str | None:
    """Why ``actor`` may not give these permissions, or None."""
    missing = [perm_name(p) for p in perms if not holds_all(actor, [p])]
    if missing:
        return "Only a superuser can give permissions you do not hold: " + ", ".join(
            sorted(missing)
        )
    return None


def _actor() -> Any:
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _record(*, user: Any = None, group: Any = None, kind: str, granted: bool, what: str) -> None:
    actor = _actor()
    target = user if user is not None else group
    RoleChange.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        user=user,
        group=group,
        target_name=str(target),
        kind=kind,
        granted=granted,
        what=what,
    )


def _mark_raw(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A row loaded from a fixture or a test's serialized database (``raw``): its m2m rows
    are set right after on this same object; that is a copy restored, not a grant."""
    instance._role_raw = raw


def _users_flags_changed(sender: Any, instance: User, raw: bool = False, **kwargs: Any) -> None:
    _mark_raw(sender, instance, raw)
    fields = kwargs.get("update_fields")
    if raw or (fields is not None and not set(fields) & set(_ROLE_FLAGS)):
        instance._role_flags_before = None  # type: ignore[attr-defined]
        return  # a fixture, or e.g. last_login at sign-in: no query
    if instance.pk is None:
        before = {flag: False for flag in _ROLE_FLAGS}
    else:
        before = User.objects.filter(pk=instance.pk).values(*_ROLE_FLAGS).first() or {}
    instance._role_flags_before = before  # type: ignore[attr-defined]


def _record_flags(sender: Any, instance: User, created: bool = False, **kwargs: Any) -> None:
    before = getattr(instance, "_role_flags_before", None)
    if before is None:
        return
    for flag, kind in _ROLE_FLAGS.items():
        now = bool(getattr(instance, flag))
        if now != bool(before.get(flag, False)):
            _record(user=instance, kind=kind, granted=now, what=kind.label)


def _changed(action: str, instance: Any, pk_set: set[int] | None, model: Any) -> list[Any]:
    """The objects added or removed (for a clear: those read just before it)."""
    if action == "post_clear":
        return list(getattr(instance, "_role_clearing", []))
    changed = model.objects.filter(pk__in=pk_set or ())
    if model is Permission:
        changed = changed.select_related("content_type")
    return list(changed)


def _user_groups_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kw: Any
) -> None:
    if getattr(instance, "_role_raw", False):
        return
    if action == "pre_clear":
        related = instance.user_set.all() if reverse else instance.groups.all()
        instance._role_clearing = list(related)
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    granted = action == "post_add"
    for other in _changed(action, instance, pk_set, model):
        user, group = (other, instance) if reverse else (instance, other)
        _record(user=user, kind=RoleChange.Kind.GROUP, granted=granted, what=group.name)


def _permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kw: Any
) -> None:
    """A user's own permissions, or a group's permissions (``instance`` is the holder)."""
    if reverse or getattr(instance, "_role_raw", False):
        return  # permission.user_set / permission.group_set: not a path anyone uses
    if action == "pre_clear":
        instance._role_clearing = list(
            instance.permissions.all()
            if isinstance(instance, Group)
            else instance.user_permissions.all()
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    perms = _changed(action, instance, pk_set, model)
    holder = {"group": instance} if isinstance(instance, Group) else {"user": instance}
    for perm in perms:
        _record(
            **holder,
            kind=RoleChange.Kind.PERMISSION,
            granted=action == "post_add",
            what=perm_name(perm),
        )


def connect() -> None:
    """Called from ``CommonConfig.ready()``."""
    pre_save.connect(_users_flags_changed, sender=User, dispatch_uid="role_flags_before")
    pre_save.connect(_mark_raw, sender=Group, dispatch_uid="role_group_raw")
    post_save.connect(_record_flags, sender=User, dispatch_uid="role_flags_after")
    m2m_changed.connect(
        _user_groups_changed, sender=User.groups.through, dispatch_uid="role_groups"
    )
    m2m_changed.connect(
        _permissions_changed, sender=User.user_permissions.through, dispatch_uid="role_user_perms"
    )
    m2m_changed.connect(
        _permissions_changed, sender=Group.permissions.through, dispatch_uid="role_group_perms"
    )
