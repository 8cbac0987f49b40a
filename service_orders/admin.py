from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ServiceOrder


@admin.register(ServiceOrder)
class ServiceOrderAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg]
    """Read-only here: orders change through the pages (their services), not the admin."""

    list_display = ("number", "kind", "status", "account", "technician", "due_on")
    list_filter = ("kind", "status")
    search_fields = ("number", "account__number")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
