"""Roles are Django groups; each app's data migration grants its permissions to them.

Views check permissions with ``permission_required``; services repeat the check
with :func:`require_perm`, so a call that skips the view is refused too.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

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
