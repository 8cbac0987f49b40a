from __future__ import annotations

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.index, name="index"),
    path("drawer/open/", views.drawer_open, name="drawer_open"),
    path("drawer/close/", views.drawer_close, name="drawer_close"),
    path("drawer/<int:drawer_pk>/", views.drawer_detail, name="drawer"),
    path("take/", views.take, name="take"),
    path("take/lookup/", views.lookup, name="lookup"),
    path("misc/", views.misc, name="misc"),
    path("receipts/<int:payment_pk>/", views.receipt, name="receipt"),
    path("receipts/<int:payment_pk>/print/", views.receipt_print, name="receipt_print"),
    path("receipts/<int:payment_pk>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("receipts/<int:payment_pk>/void/", views.void, name="void"),
    path("closeout/", views.closeout, name="closeout"),
    path("closeout/<int:closeout_pk>/", views.closeout_detail, name="closeout_detail"),
    path("deposits/<int:deposit_pk>/slip.pdf", views.deposit_slip, name="deposit_slip"),
]
