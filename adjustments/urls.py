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
]
