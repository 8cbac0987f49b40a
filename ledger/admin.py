"""Admin for the ledger: administrators keep the GL chart, funds and services.

Journal transactions, entries and business days are shown read-only to whoever
may view them: money moves only through ``ledger.services`` (and PostgreSQL
refuses edits anyway), so nobody gets add, change or delete here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    BusinessDay,
    Fund,
    GLAccount,
    Holiday,
    JournalEntry,
    JournalTransaction,
    Service,
)


class ReadOnlyAdminMixin:
    """No add, change or delete for anyone, superusers included; viewing follows permissions."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(GLAccount)
class GLAccountAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "fund", "kind", "role", "is_active"]
    list_filter = ["fund", "kind", "role", "is_active"]
    list_select_related = ["fund"]
    search_fields = ["code", "name", "fund__name"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["payment_order", "code", "name", "receivable_gl", "revenue_gl", "is_active"]
    list_display_links = ["code"]
    list_filter = ["is_active"]
    list_select_related = ["receivable_gl", "revenue_gl"]
    search_fields = ["code", "name"]


class JournalEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = JournalEntry
    fields = readonly_fields = ("gl_account", "amount", "account", "service")
    can_delete = False
    extra = 0


@admin.register(JournalTransaction)
class JournalTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "business_date", "kind", "memo", "created_by", "reversal_of"]
    list_filter = ["kind", "business_date"]
    list_select_related = ["created_by", "reversal_of"]
    search_fields = ["=id", "memo", "source"]
    date_hierarchy = "business_date"
    inlines = [JournalEntryInline]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "transaction", "gl_account", "amount", "account", "service"]
    list_filter = ["gl_account__fund", "service"]
    list_select_related = ["transaction", "gl_account", "account__customer", "service"]
    search_fields = ["=transaction__id", "account__number"]
    raw_id_fields = ["transaction", "account"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Days the counter is closed: the closeout skips them when it opens the next day."""

    list_display = ["date", "name"]
    date_hierarchy = "date"


@admin.register(BusinessDay)
class BusinessDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "status", "opened_by", "opened_at", "closed_by", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["opened_by", "closed_by"]
