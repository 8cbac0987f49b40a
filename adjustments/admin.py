"""Administrators keep the reason codes and the approval limits; requests are read-only
here (they change only through ``adjustments.services``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import AdjustmentReason, AdjustmentRequest, ApprovalLimit, Refund


@admin.register(AdjustmentReason)
class AdjustmentReasonAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "offset_gl", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # requests name their reason; retire it with "active" instead


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(SimpleHistoryAdmin):
    list_display = ["role", "max_amount"]


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "status", "account", "amount", "requested_by", "requested_at"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "account__number", "memo"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    """Read-only: refunds change only through ``adjustments.refunds.requests``."""

    list_display = ["number", "status", "account", "amount", "payee_name", "requested_at"]
    list_filter = ["status", "source"]
    search_fields = ["number", "account__number", "payee_name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
