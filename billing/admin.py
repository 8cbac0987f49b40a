"""Admin for billing. Rates change only through rate files (``billing:rate_file``: every
definition checked by the engine, the differences previewed, applied once confirmed),
and meters, reads and exceptions only through the services (a read is never edited),
so those are read-only here; administrators keep cycles and routes here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    BillingCycle,
    BudgetPlan,
    Meter,
    MeterInstall,
    MeterRead,
    MiscFee,
    OneTimeCharge,
    RateComponent,
    RateSchedule,
    RateVersion,
    ReadException,
    ReadImport,
    Route,
    RouteStop,
    ServiceAgreement,
)


class ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ComponentInline(admin.TabularInline):
    model = RateComponent
    extra = 0
    fields = ["position", "code", "label", "kind", "fixed_basis", "usage_basis", "amount"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RateSchedule)
class RateScheduleAdmin(ReadOnly):
    list_display = ["code", "name", "service"]
    search_fields = ["code", "name"]


@admin.register(RateVersion)
class RateVersionAdmin(ReadOnly):
    list_display = ["schedule", "effective_from", "effective_to", "note"]
    list_filter = ["schedule"]
    inlines = [ComponentInline]


@admin.register(ServiceAgreement)
class ServiceAgreementAdmin(ReadOnly):
    list_display = ["account", "service", "rate_schedule", "start_date", "end_date"]
    list_select_related = ["account", "service", "rate_schedule"]
    search_fields = ["account__number"]


@admin.register(Meter)
class MeterAdmin(ReadOnly):
    list_display = ["number", "size", "units", "multiplier", "dials", "service"]
    search_fields = ["number"]


@admin.register(MeterInstall)
class MeterInstallAdmin(ReadOnly):
    list_display = ["meter", "premise", "installed_on", "removed_on"]
    search_fields = ["meter__number"]


@admin.register(MeterRead)
class MeterReadAdmin(ReadOnly):
    list_display = ["meter", "read_date", "reading", "kind", "read_code", "source", "corrects"]
    list_filter = ["kind"]
    search_fields = ["meter__number"]


@admin.register(ReadException)
class ReadExceptionAdmin(ReadOnly):
    list_display = ["meter_number", "read_date", "reading", "rule", "status", "read_import"]
    list_filter = ["rule", "status"]


@admin.register(ReadImport)
class ReadImportAdmin(ReadOnly):
    list_display = ["pk", "file_name", "format", "status", "rows", "stored", "exceptions"]


@admin.register(BillingCycle)
class BillingCycleAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "read_day", "bill_days_after_read", "due_days"]


@admin.register(Route)
class RouteAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "cycle", "reader"]


@admin.register(RouteStop)
class RouteStopAdmin(ReadOnly):
    list_display = ["route", "sequence", "account"]


@admin.register(MiscFee)
class MiscFeeAdmin(SimpleHistoryAdmin):
    """The administrator's list of miscellaneous fees (the constraints say what a fixed
    or a typed fee needs); a fee no longer charged is made inactive, never deleted."""

    list_display = ["code", "name", "amount_kind", "amount", "minimum", "maximum", "revenue_gl"]
    list_filter = ["is_active", "amount_kind"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OneTimeCharge)
class OneTimeChargeAdmin(ReadOnly):
    list_display = ["pk", "account", "fee", "amount", "status", "requested_by", "decided_by"]


@admin.register(BudgetPlan)
class BudgetPlanAdmin(ReadOnly):
    list_display = ["account", "status", "amount", "true_up_month", "enrolled_on", "ended_on"]
