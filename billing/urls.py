from __future__ import annotations

from django.urls import path

from . import views

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
]
