from __future__ import annotations

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.index, name="index"),
    path("drawer/open/", views.drawer_open, name="drawer_open"),
    path("drawer/close/", views.drawer_close, name="drawer_close"),
    path("drawer/<int:drawer_pk>/", views.drawer_detail, name="drawer"),
    path("drawer/<int:drawer_pk>/reopen/", views.drawer_reopen, name="drawer_reopen"),
    path("take/", views.take, name="take"),
    path("take/lookup/", views.lookup, name="lookup"),
    path("misc/", views.misc, name="misc"),
    path("receipts/", views.receipts, name="receipts"),
    path("receipts/<int:payment_pk>/", views.receipt, name="receipt"),
    path("receipts/<int:payment_pk>/print/", views.receipt_print, name="receipt_print"),
    path("receipts/<int:payment_pk>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("receipts/<int:payment_pk>/void/", views.void, name="void"),
    path("receipts/<int:payment_pk>/void/request/", views.void_request, name="void_request"),
    path("receipts/<int:payment_pk>/void/decline/", views.void_decline, name="void_decline"),
    path("voids/", views.void_queue, name="void_queue"),
    path("closeout/", views.closeout, name="closeout"),
    path("closeout/<int:closeout_pk>/", views.closeout_detail, name="closeout_detail"),
    path("deposits/<int:deposit_pk>/slip.pdf", views.deposit_slip, name="deposit_slip"),
    path("receipts/<int:payment_pk>/return/", views.return_payment, name="return_payment"),
    path("batches/", views.batches, name="batches"),
    path("batches/lockbox/", views.lockbox_upload, name="lockbox_upload"),
    path("batches/exceptions/", views.exceptions, name="exceptions"),
    path("batches/<int:batch_pk>/", views.batch, name="batch"),
    path("batches/<int:batch_pk>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:batch_pk>/retry/", views.batch_retry, name="batch_retry"),
    path("batches/<int:batch_pk>/items/", views.batch_item_add, name="batch_item_add"),
    path("batches/<int:batch_pk>/post/", views.batch_post, name="batch_post"),
    path("batches/<int:batch_pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("batches/items/<int:item_pk>/edit/", views.batch_item_edit, name="batch_item_edit"),
    path("batches/items/<int:item_pk>/remove/", views.batch_item_remove, name="batch_item_remove"),
    path("batches/items/<int:item_pk>/resolve/", views.item_resolve, name="item_resolve"),
    path("batches/items/<int:item_pk>/return/", views.return_item, name="return_item"),
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:report>/", views.report, name="report"),
]
