"""Admin for customers and premises (with their change history); accounts are read-only.

An account's status, flags and balance change only through ``accounts.services``
and ``ledger.services``, which check permissions and write the reasons the
account page shows; the admin only lets staff look at accounts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Account, Customer, Premise


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose revert needs change permission, not only view permission."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Customer)
class CustomerAdmin(HistoryAdmin):
    list_display = ["__str__", "kind", "phone", "email", "mailing_city"]
    list_filter = ["kind", "mailing_state"]
    search_fields = ["last_name", "first_name", "organisation_name", "phone", "email"]

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.refresh_search_documents(customer=obj)  # names and phones are searched


@admin.register(Premise)
class PremiseAdmin(HistoryAdmin):
    list_display = ["__str__", "city", "zip_code"]
    list_filter = ["city"]
    search_fields = ["line1", "line2", "zip_code"]

    def save_model(self, request: HttpRequest, obj: Premise, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.refresh_search_documents(premise=obj)  # service addresses are searched


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "premise", "account_class", "status", "balance"]
    list_filter = ["status", "account_class", "is_master"]
    list_select_related = ["customer", "premise"]
    search_fields = ["=number", "customer__last_name", "customer__organisation_name"]
    readonly_fields = ["balance", "number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
