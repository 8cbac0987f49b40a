"""Read-only admin: editing a counter would break gap-free numbering, and tasks,
documents and role changes are records of what happened.

The user and group admins enforce who may grant which role
(``billing_site.common.user_roles``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import user_roles
from .models import Document, LongTask, NumberSequence, RoleChange

_OWN_ROLE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by their services (tasks, documents, role-change signals); shown here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NumberSequence)
class NumberSequenceAdmin(_ReadOnlyAdmin):
    list_display = ["name", "next_value"]
    search_fields = ["name"]


@admin.register(LongTask)
class LongTaskAdmin(_ReadOnlyAdmin):
    list_display = ["label", "kind", "status", "done", "total", "errors", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["label", "last_error"]


@admin.register(Document)
class DocumentAdmin(_ReadOnlyAdmin):
    list_display = ["kind", "subject_id", "variant", "sha256", "created_by", "copies_printed"]
    list_filter = ["kind"]
    search_fields = ["subject_id", "sha256"]


@admin.register(RoleChange)
class RoleChangeAdmin(_ReadOnlyAdmin):
    list_display = ["at", "actor_name", "granted", "kind", "what", "target_name"]
    list_filter = ["kind", "granted"]
    search_fields = ["actor_name", "target_name", "what"]


def _role_form(base: type[forms.ModelForm], request: HttpRequest) -> type[forms.ModelForm]:
    """``base`` with a clean() that refuses grants beyond the acting user's own."""

    class RoleGuardedForm(base):  # type: ignore[valid-type, misc]
        def clean(self) -> dict[str, Any]:
            cleaned = super().clean()
            actor = request.user
            before = self.instance
            for flag in ("is_superuser", "is_staff"):
                changed = flag in cleaned and cleaned[flag] != getattr(before, flag, False)
                if changed and not actor.is_superuser:
                    self.add_error(flag, "Only a superuser can change this.")
            for name, refusal in (
                ("groups", user_roles.group_refusal),
                ("user_permissions", user_roles.permission_refusal),
                ("permissions", user_roles.permission_refusal),
            ):
                if name not in cleaned or cleaned[name] is None:
                    continue
                old = set(getattr(before, name).all()) if before.pk else set()
                message = refusal(actor, set(cleaned[name]) - old)  # taking away is no escalation
                if message:
                    self.add_error(name, message)
            return cleaned

    return RoleGuardedForm


class RoleGuardedUserAdmin(UserAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += [f for f in _OWN_ROLE_FIELDS if f not in fields]  # never one's own roles
        elif not request.user.is_superuser:
            fields += [f for f in ("is_superuser", "is_staff") if f not in fields]
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return _role_form(super().get_form(request, obj, change=change, **kwargs), request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # a superuser's password or roles are a superuser's business
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """The bulk delete action checks no object: refuse it when it holds a superuser."""
        if not request.user.is_superuser and queryset.filter(is_superuser=True).exists():
            raise PermissionDenied("Only a superuser can delete a superuser.")
        super().delete_queryset(request, queryset)


class RoleGuardedGroupAdmin(GroupAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        member = obj is not None and request.user.groups.filter(pk=obj.pk).exists()
        if member and not request.user.is_superuser:
            fields.append("permissions")  # nobody widens a role they hold
        return fields

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return _role_form(super().get_form(request, obj, change=change, **kwargs), request)


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, RoleGuardedUserAdmin)
admin.site.register(Group, RoleGuardedGroupAdmin)
