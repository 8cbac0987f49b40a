from __future__ import annotations

from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("gl-exports/", views.gl_exports, name="gl_exports"),
    path("gl-exports/<int:day_pk>/export/", views.gl_export_day, name="gl_export"),
    path("gl-exports/<int:day_pk>/file/", views.gl_file, name="gl_file"),
]
