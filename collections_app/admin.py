"""Admin for the reference data an administrator keeps (late-fee rules, the timeline's
steps, letter templates); runs, lines, steps recorded and letters are read-only here:
they change only through ``collections_app.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    AccountStep,
    Agency,
    AgingRun,
    LateFeeRule,
    LateFeeRun,
    LateFeeTier,
    Letter,
    LetterTemplate,
    NoticeRun,
    NoticeStep,
)


class LateFeeTierInline(admin.TabularInline):
    """Tiers by past-due amount: a fee per tier, or a percentage of each slice."""

    model = LateFeeTier
    extra = 1
    fields = ["up_to", "fee", "percent"]


@admin.register(LateFeeRule)
class LateFeeRuleAdmin(admin.ModelAdmin):
    inlines = [LateFeeTierInline]
    list_display = [
        "service",
        "account_class",
        "fee_service",
        "grace_days",
        "grace_kind",
        "flat",
        "percent",
        "minimum",
        "maximum",
        "minimum_past_due",
        "is_active",
    ]
    list_filter = ["is_active", "grace_kind"]


@admin.register(NoticeStep)
class NoticeStepAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "days", "day_kind", "counted_from", "minimum_past_due",
                    "fee", "letter_template", "is_disconnect", "is_active"]  # fmt: skip


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "is_active"]
    list_filter = ["kind", "is_active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for model in (AgingRun, LateFeeRun, NoticeRun, AccountStep, Letter):
    admin.site.register(model, ReadOnlyAdmin)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "contact", "commission_percent", "fee_flat", "fee_percent", "is_active"]
    list_filter = ["is_active"]
