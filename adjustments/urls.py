from __future__ import annotations

from django.urls import path

from . import views

app_name = "adjustments"

urlpatterns = [
    path("", views.index, name="index"),
    path("queue/", views.queue, name="queue"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.new_adjustment, name="new"),
    path("transfer/", views.new_transfer, name="transfer"),
    path("<int:request_pk>/", views.detail, name="detail"),
    path("<int:request_pk>/document/", views.attachment, name="attachment"),
    path("<int:request_pk>/approve/", views.approve, name="approve"),
    path("<int:request_pk>/reject/", views.reject, name="reject"),
    path("<int:request_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:request_pk>/reverse/", views.reverse_posting, name="reverse"),
    path("masters/", views.masters, name="masters"),
    path("masters/<int:master_pk>/", views.consolidation, name="consolidation"),
    path("gl/new/", views.gl_new, name="gl_new"),
    path("gl/<int:draft_pk>/", views.gl_edit, name="gl_edit"),
    path("reports/register/", views.register, name="register"),
    path("reports/pending/", views.pending, name="pending"),
    path("refunds/", views.refunds, name="refunds"),
    path("refunds/new/", views.refund_new, name="refund_new"),
    path("refunds/register/", views.refund_register, name="refund_register"),
    path("refunds/export/", views.refund_export, name="refund_export"),
    path("refunds/exports/<int:export_pk>/", views.refund_export_file, name="refund_export_file"),
    path("refunds/<int:refund_pk>/", views.refund_detail, name="refund"),
    path("refunds/<int:refund_pk>/approve/", views.refund_approve, name="refund_approve"),
    path("refunds/<int:refund_pk>/reject/", views.refund_reject, name="refund_reject"),
    path("refunds/<int:refund_pk>/withdraw/", views.refund_withdraw, name="refund_withdraw"),
]
