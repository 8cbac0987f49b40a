"""Read-only admin: editing a counter would break gap-free numbering, and tasks and
documents are records of what happened."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Document, LongTask, NumberSequence


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["name", "next_value"]
    search_fields = ["name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    """Written only by their services (tasks, documents); the admin shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LongTask)
class LongTaskAdmin(_ReadOnly):
    list_display = ["label", "kind", "status", "done", "total", "errors", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["label", "last_error"]


@admin.register(Document)
class DocumentAdmin(_ReadOnly):
    list_display = ["kind", "subject_id", "variant", "sha256", "created_by", "copies_printed"]
    list_filter = ["kind"]
    search_fields = ["subject_id", "sha256"]
