"""The approval queue and the decisions: approve, reject, reverse."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing_site.common.formflow import submit

from .. import selectors, services
from ..choices import RequestStatus
from ..forms import DecisionForm
from ..refunds.selectors import refunds_waiting
from .requests import detail_page


@permission_required("adjustments.view_adjustmentrequest", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    limit = selectors.approval_limit_for(request.user)
    rows = [
        (req, selectors.approval_refusal(req, request.user, limit=limit) is None)
        for req in selectors.pending_queue()[:500]
    ]
    refunds = refunds_waiting().count() if request.user.has_perm("adjustments.view_refund") else 0
    context = {"rows": rows, "limit": limit, "refunds_waiting": refunds}
    return render(request, "adjustments/queue.html", context)


def _decide(request: HttpRequest, request_pk: int, *, approve: bool) -> HttpResponse:
    req = selectors.request_for_user(request_pk, request.user)
    purpose = f"adjustments.decide.{req.pk}"
    form = DecisionForm(request.POST)

    def act() -> str:
        note = form.cleaned_data["reason"]
        if approve:
            services.request_approve(adjustment_request=req, note=note, acting_user=request.user)
        else:
            services.request_reject(adjustment_request=req, reason=note, acting_user=request.user)
        return reverse("adjustments:detail", args=[req.pk])

    done = f"{req} was {'approved and posted' if approve else 'rejected'}."
    sent = submit(request, purpose=purpose, form=form, action=act, success=done)
    if sent.done:
        return sent.done
    if sent.error:
        req.refresh_from_db()
        if req.status != RequestStatus.PENDING:  # the page shows no decision form to hold it
            messages.error(request, " ".join(form.non_field_errors()))
    return detail_page(request, req, decision_form=form, token=sent.token)


@require_POST
@permission_required("adjustments.approve_request", raise_exception=True)
def approve(request: HttpRequest, request_pk: int) -> HttpResponse:
    return _decide(request, request_pk, approve=True)


@require_POST
@permission_required("adjustments.approve_request", raise_exception=True)
def reject(request: HttpRequest, request_pk: int) -> HttpResponse:
    return _decide(request, request_pk, approve=False)


@permission_required("adjustments.reverse_request", raise_exception=True)
def reverse_posting(request: HttpRequest, request_pk: int) -> HttpResponse:
    req = selectors.request_for_user(request_pk, request.user)
    if req.status != RequestStatus.POSTED:
        messages.info(request, f"{req} is {req.get_status_display().lower()}; nothing to reverse.")
        return redirect("adjustments:detail", request_pk=req.pk)
    purpose = f"adjustments.reverse.{req.pk}"
    form = DecisionForm(request.POST or None)

    def act() -> str:
        services.request_reverse(
            adjustment_request=req,
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
        return reverse("adjustments:detail", args=[req.pk])

    sent = submit(request, purpose=purpose, form=form, action=act, success=f"{req} was reversed.")
    if sent.done:
        return sent.done
    context = {"req": req, "form": form, "token": sent.token}
    return render(request, "adjustments/reverse.html", context)
