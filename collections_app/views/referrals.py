"""Collection-agency referral pages: the review list (tick accounts, pick the agency,
refer), a placement and its file, the referrals (recall one), the agencies' remittances."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from billing_site.common.documents import document_download, stored_document
from billing_site.common.formflow import submit
from ledger.selectors import current_business_date

from .. import referral_selectors as selectors
from ..choices import ReferralStatus
from ..forms import RecallForm, ReferForm, RemittanceForm
from ..models import AgencyRemittance, Placement, Referral
from ..services import referrals as services

VIEW = "collections.view_referral"
PAGE_SIZE = 50


def _require(request: HttpRequest, perm: str) -> None:
    if request.method == "POST" and not request.user.has_perm(perm):
        raise PermissionDenied


@permission_required(VIEW, raise_exception=True)
def referral_review(request: HttpRequest) -> HttpResponse:
    _require(request, services.REFER_PERM)
    today = current_business_date()
    form = ReferForm(request.POST or None)

    def refer() -> str:
        placement = services.referral_place(
            accounts=list(form.cleaned_data["accounts"]), agency=form.cleaned_data["agency"],
            acting_user=request.user,
        )  # fmt: skip
        return reverse("collections:placement", args=[placement.pk])

    sent = submit(
        request, purpose="collections.refer", form=form, action=refer,
        success="Referred: the placement file is ready to send.",
    )  # fmt: skip
    if sent.done:
        return sent.done
    page = Paginator(selectors.referral_candidates(today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(a, selectors.why_referable(a, today=today)) for a in page.object_list]
    ticked = set(request.POST.getlist("accounts")) if request.method == "POST" else set()
    context = {
        "form": form, "token": sent.token, "rows": rows, "page": page, "ticked": ticked,
        "threshold": selectors.referral_threshold(), "days": selectors.referral_days(),
    }  # fmt: skip
    status = 400 if sent.error or form.errors else 200
    return render(request, "collections/referral_review.html", context, status=status)


@permission_required(VIEW, raise_exception=True)
def placement_detail(request: HttpRequest, placement_pk: int) -> HttpResponse:
    placement = get_object_or_404(
        Placement.objects.select_related("agency", "created_by"), pk=placement_pk
    )
    rows = placement.referrals.select_related("account__customer", "letter")
    return render(request, "collections/placement.html", {"placement": placement, "rows": rows})


@permission_required(VIEW, raise_exception=True)
def placement_file(request: HttpRequest, placement_pk: int) -> HttpResponse:
    placement = get_object_or_404(Placement, pk=placement_pk)
    document = stored_document(kind=services.PLACEMENT_KIND, subject=placement)
    if document is None:
        raise Http404("This placement has no file.")
    return document_download(
        document, f"placement-{placement.number}.csv", content_type="text/csv; charset=utf-8"
    )


LISTS = {"active": "With an agency", "recalled": "Recalled", "paid": "Paid in full", "all": "All"}


@permission_required(VIEW, raise_exception=True)
def referral_list(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("show", "active")
    which = which if which in LISTS else "active"
    rows = selectors.referrals(status="" if which == "all" else which)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"rows": page.object_list, "page": page, "which": which, "lists": LISTS}
    return render(request, "collections/referral_list.html", context)


@permission_required(services.REFER_PERM, raise_exception=True)
def referral_recall(request: HttpRequest, referral_pk: int) -> HttpResponse:
    referral = get_object_or_404(
        Referral.objects.select_related("account__customer", "agency"), pk=referral_pk
    )
    form = RecallForm(request.POST or None)

    def recall() -> str:
        services.referral_recall(
            referral=referral, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        return reverse("collections:referrals")

    sent = submit(
        request, purpose="collections.recall", form=form, action=recall,
        success="Recalled: the account is no longer in collections.",
    )  # fmt: skip
    if sent.done:
        return sent.done
    context = {
        "referral": referral, "form": form, "token": sent.token,
        "active": referral.status == ReferralStatus.ACTIVE,
    }  # fmt: skip
    return render(request, "collections/referral_recall.html", context)


@permission_required(VIEW, raise_exception=True)
def remittance_list(request: HttpRequest) -> HttpResponse:
    _require(request, services.IMPORT_PERM)
    form = RemittanceForm(request.POST or None, request.FILES or None)

    def load() -> str:
        upload = form.cleaned_data["file"]
        remittance, new = services.remittance_import(
            agency=form.cleaned_data["agency"], file_name=upload.name, data=upload.read(),
            acting_user=request.user,
        )  # fmt: skip
        if new:
            messages.success(request, f"Posted {remittance.rows} agency payments.")
        else:
            messages.info(request, "This file was posted before: nothing was posted again.")
        return reverse("collections:remittances")

    sent = submit(request, purpose="collections.remittance", form=form, action=load)
    if sent.done:
        return sent.done
    rows = AgencyRemittance.objects.select_related("agency", "posted_by")[:100]
    context = {"form": form, "token": sent.token, "rows": rows}
    status = 400 if sent.error or form.errors else 200
    return render(request, "collections/remittances.html", context, status=status)
