from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import WorkItem


@admin.register(WorkItem)
class WorkItemAdmin(SimpleHistoryAdmin):
    """Read-only: items change through the pages (services), with history."""

    list_display = ["pk", "kind", "source_key", "account", "status", "assigned_user",
                    "assigned_group", "due_on"]  # fmt: skip
    list_filter = ["kind", "status"]
    search_fields = ["source_key", "why"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
