from __future__ import annotations

from django.urls import path

from . import account_views, views
from .bills import charge_views, correction_views
from .bills import views as run_views

app_name = "billing"

urlpatterns = [
    path("rates/", views.rates, name="rates"),
    path("rates/file/", views.rate_file, name="rate_file"),
    path("quote/", views.quote, name="quote"),
    path("reads/exceptions/", views.exceptions, name="exceptions"),
    path("reads/exceptions/<int:exception_pk>/", views.exception_resolve, name="exception_resolve"),
    path("reads/import/", views.read_import_upload, name="read_import_upload"),
    path("reads/import/<int:import_pk>/", views.read_import_detail, name="read_import"),
    path("routes/<int:route_pk>/sheet.pdf", views.route_sheet, name="route_sheet"),
    path("routes/<int:route_pk>/handheld.txt", views.route_file_download, name="route_file"),
    path("accounts/<int:pk>/agreements/new/", account_views.agreement_add, name="agreement_add"),
    path("agreements/<int:agreement_pk>/end/", account_views.agreement_end, name="agreement_end"),
    path("accounts/<int:pk>/meters/install/", account_views.meter_install, name="meter_install"),
    path("accounts/<int:pk>/meters/remove/", account_views.meter_remove_page, name="meter_remove"),
    path("accounts/<int:pk>/reads/new/", account_views.read_record, name="read_record"),
    path("runs/", run_views.run_list, name="runs"),
    path("runs/<int:run_pk>/", run_views.run_detail, name="run"),
    path("runs/<int:run_pk>/recalculate/", run_views.run_recalculate, name="run_recalculate"),
    path("runs/<int:run_pk>/print/", run_views.run_print, name="run_print"),
    path("runs/<int:run_pk>/bills.pdf", run_views.run_print_pdf, name="run_print_pdf"),
    path("runs/<int:run_pk>/bills.csv", run_views.run_print_csv, name="run_print_csv"),
    path("bills/<int:bill_pk>/", run_views.bill_detail, name="bill"),
    path("bills/<int:bill_pk>/bill.pdf", run_views.bill_pdf, name="bill_pdf"),
    path("bills/<int:bill_pk>/recalculate/", run_views.bill_recalculate, name="bill_recalculate"),
    path("bills/<int:bill_pk>/cancel/", correction_views.bill_cancel, name="bill_cancel"),
    path("bills/<int:bill_pk>/rebill/", correction_views.bill_rebill, name="bill_rebill"),
    path("bills/<int:bill_pk>/rebill-estimate/", correction_views.bill_rebill_estimate,
         name="bill_rebill_estimate"),
    path("reads/import/<int:import_pk>/rebill-estimates/",
         correction_views.import_rebill_estimates, name="import_rebill_estimates"),
    path("accounts/<int:pk>/stop-service/", correction_views.stop_service, name="stop_service"),
    path("accounts/<int:pk>/charges/new/", charge_views.charge_post, name="charge_post"),
    path("charges/", charge_views.charge_queue, name="charge_queue"),
    path("charges/<int:charge_pk>/decide/", charge_views.charge_decide, name="charge_decide"),
    path("accounts/<int:pk>/budget/", charge_views.budget_page, name="budget"),
]  # fmt: skip
