from __future__ import annotations

from django.urls import path

from . import views
from .views import dashboard as dashboard_views
from .views import deposits as deposit_views
from .views import late_fees as late_fee_views
from .views import notices as notice_views
from .views import plans as plan_views
from .views import referrals as referral_views
from .views import writeoffs as write_off_views

app_name = "collections"

urlpatterns = [
    path("dashboard/", dashboard_views.collections_dashboard, name="dashboard"),
    path(
        "dashboard/month-ends/",
        dashboard_views.compute_month_ends,
        name="dashboard_compute_month_ends",
    ),
    path("aging/", views.aging_list, name="aging_list"),
    path("aging/<int:aging_pk>/", views.aging_detail, name="aging"),
    path("aging/<int:aging_pk>/cell/", views.aging_cell, name="aging_cell"),
    path("accounts/<int:pk>/explain/", views.explain, name="explain"),
    path("accounts/<int:pk>/letters/", views.account_letters, name="account_letters"),
    path("accounts/<int:pk>/owner/", views.owner_edit, name="owner"),
    path("letters/<int:letter_pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("late-fees/", late_fee_views.late_fee_list, name="late_fees"),
    path("late-fees/<int:fee_run_pk>/", late_fee_views.late_fee_detail, name="late_fee_run"),
    path(
        "late-fees/lines/<int:line_pk>/waive/", late_fee_views.late_fee_waive, name="late_fee_waive"
    ),
    path("notices/", notice_views.notice_list, name="notices"),
    path("notices/<int:notice_pk>/", notice_views.notice_detail, name="notice_run"),
    path("notices/<int:notice_pk>/print/", notice_views.notice_print, name="notice_print"),
    path(
        "notices/<int:notice_pk>/letters.pdf",
        notice_views.notice_combined_pdf,
        name="notice_letters",
    ),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/<int:plan_pk>/", plan_views.plan_detail, name="plan"),
    path("accounts/<int:pk>/plan/", plan_views.plan_new, name="plan_new"),
    path("accounts/<int:pk>/deposit/", deposit_views.account_deposit, name="deposit"),
    path("deposits/review/", deposit_views.deposit_review, name="deposit_review"),
    path("accounts/<int:pk>/write-off/", write_off_views.write_off_new, name="write_off"),
    path("write-offs/", write_off_views.write_off_list, name="write_offs"),
    path("referrals/", referral_views.referral_list, name="referrals"),
    path("referrals/review/", referral_views.referral_review, name="referral_review"),
    path(
        "referrals/placements/<int:placement_pk>/",
        referral_views.placement_detail,
        name="placement",
    ),
    path(
        "referrals/placements/<int:placement_pk>/placement.csv",
        referral_views.placement_file,
        name="placement_file",
    ),
    path(
        "referrals/<int:referral_pk>/recall/",
        referral_views.referral_recall,
        name="referral_recall",
    ),
    path("referrals/remittances/", referral_views.remittance_list, name="remittances"),
]
