from __future__ import annotations

from django.contrib import admin

from .models import (
    Closeout,
    Deposit,
    Drawer,
    MiscRevenueItem,
    Payment,
    ReturnFeeSchedule,
    ReturnFeeTier,
)


@admin.register(MiscRevenueItem)
class MiscRevenueItemAdmin(admin.ModelAdmin):
    """Administrators keep the list of miscellaneous revenue items and their GL accounts."""

    list_display = ["name", "gl_account", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


class ReturnFeeTierInline(admin.TabularInline):
    model = ReturnFeeTier
    extra = 1


@admin.register(ReturnFeeSchedule)
class ReturnFeeScheduleAdmin(admin.ModelAdmin):
    """Administrators keep the returned-payment fee schedules; exactly one is active.

    A schedule's tiers are flat fees by payment amount ("up to" empty: any larger
    amount); the fee is the greater of the tier fee and the percentage, then held
    between the minimum and the maximum (docs/cashiering.md).
    """

    inlines = [ReturnFeeTierInline]
    list_display = ["name", "is_active", "percent", "minimum", "maximum", "cash_only_after"]
    list_filter = ["is_active"]
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cashiering records change only through the services; the admin only shows them."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Drawer)
class DrawerAdmin(ReadOnlyAdmin):
    list_display = ["id", "clerk", "business_date", "status", "float_amount", "over_short"]
    list_filter = ["status", "business_date"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "receipt_label", "business_date", "taken_by", "total", "status"]
    list_filter = ["status", "business_date"]


admin.site.register(Closeout, ReadOnlyAdmin)
admin.site.register(Deposit, ReadOnlyAdmin)
