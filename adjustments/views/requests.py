"""Making requests (adjustments and transfers), the requester's list, a request's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.selectors import account_by_number
from billing_site.common.formflow import submit
from billing_site.common.idempotency import issue_token
from ledger.models import Service

from .. import selectors, services
from ..forms import AdjustmentRequestForm, DecisionForm, TransferForm
from ..models import AdjustmentRequest

NEW_ADJUSTMENT = "adjustments.request"
NEW_TRANSFER = "adjustments.transfer"


def index(request: HttpRequest) -> HttpResponse:
    if request.user.has_perm("adjustments.view_adjustmentrequest"):
        return redirect("adjustments:queue")
    if request.user.has_perm("adjustments.add_adjustmentrequest"):
        return redirect("adjustments:mine")
    raise PermissionDenied("Your role has no access to adjustments.")


def _initial_account(request: HttpRequest, field: str = "account") -> dict[str, str]:
    """Pre-fill the account number when the form is opened from an account page."""
    number = request.GET.get(field, "").strip()
    return {field: number} if number and account_by_number(number) else {}


def _go_to(req: AdjustmentRequest) -> str:
    return reverse("adjustments:detail", args=[req.pk])


@permission_required("adjustments.add_adjustmentrequest", raise_exception=True)
def new_adjustment(request: HttpRequest) -> HttpResponse:
    active = list(Service.objects.filter(is_active=True).order_by("payment_order"))
    form = AdjustmentRequestForm(
        request.POST or None,
        request.FILES or None,
        services=active,
        initial=_initial_account(request),
    )

    def create() -> str:
        data = form.cleaned_data
        req = services.request_adjustment(
            account=data["account"],
            direction=data["direction"],
            reason=data["reason"],
            amounts=form.amounts(),
            memo=data["memo"],
            attachment=data.get("attachment"),
            acting_user=request.user,
        )
        return _go_to(req)

    done = "The request is waiting for approval."
    sent = submit(request, purpose=NEW_ADJUSTMENT, form=form, action=create, success=done)
    if sent.done:
        return sent.done
    context = {"form": form, "token": sent.token}
    return render(request, "adjustments/request_form.html", context)


@permission_required("adjustments.add_adjustmentrequest", raise_exception=True)
def new_transfer(request: HttpRequest) -> HttpResponse:
    form = TransferForm(
        request.POST or None, request.FILES or None, initial=_initial_account(request)
    )

    def create() -> str:
        data = form.cleaned_data
        req = services.request_transfer(
            from_account=data["account"],
            to_account=data["to_account"],
            transfer_of=data["transfer_of"],
            amount=data["amount"],
            memo=data["memo"],
            attachment=data.get("attachment"),
            acting_user=request.user,
        )
        return _go_to(req)

    done = "The transfer is waiting for approval."
    sent = submit(request, purpose=NEW_TRANSFER, form=form, action=create, success=done)
    if sent.done:
        return sent.done
    context = {"form": form, "token": sent.token}
    return render(request, "adjustments/transfer_form.html", context)


@permission_required("adjustments.add_adjustmentrequest", raise_exception=True)
def mine(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_requests(request.user)[:200]
    return render(request, "adjustments/mine.html", {"requests": rows})


def _require_adjustments_access(user: Any) -> None:
    if not (
        user.has_perm("adjustments.add_adjustmentrequest")
        or user.has_perm("adjustments.view_adjustmentrequest")
    ):
        raise PermissionDenied("Your role has no access to adjustments.")


def detail(request: HttpRequest, request_pk: int) -> HttpResponse:
    _require_adjustments_access(request.user)
    return detail_page(request, selectors.request_for_user(request_pk, request.user))


def detail_page(
    request: HttpRequest,
    req: AdjustmentRequest,
    *,
    decision_form: DecisionForm | None = None,
    token: str = "",
) -> HttpResponse:
    """The request's page; after a refused decision, with the decision form and its errors."""
    refusal = selectors.approval_refusal(req, request.user)
    context = {
        "req": req,
        "lines": selectors.request_lines(req),
        "history": req.history.select_related("history_user").order_by("history_date"),
        "can_decide": refusal is None,
        "refusal": refusal,
        "can_reject": selectors.rejection_refusal(req, request.user) is None,
        "limit": selectors.approval_limit_for(request.user),
        "decision_form": decision_form or DecisionForm(),
        "decide_token": token
        or issue_token(user_id=request.user.pk, purpose=f"adjustments.decide.{req.pk}"),
        "is_mine": req.requested_by_id == request.user.pk,
    }
    return render(request, "adjustments/detail.html", context)


def attachment(request: HttpRequest, request_pk: int) -> FileResponse:
    _require_adjustments_access(request.user)
    req = selectors.request_for_user(request_pk, request.user)
    if not req.attachment:
        raise Http404("This request has no document.")
    response = FileResponse(
        req.attachment.open("rb"),
        as_attachment=True,
        filename=req.attachment_name or "document",
        content_type=req.attachment_type or "application/octet-stream",
    )
    return response


@require_POST
@permission_required("adjustments.add_adjustmentrequest", raise_exception=True)
def withdraw(request: HttpRequest, request_pk: int) -> HttpResponse:
    req = selectors.request_for_user(request_pk, request.user)
    try:
        services.request_withdraw(adjustment_request=req, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{req} was withdrawn.")
    return redirect("adjustments:detail", request_pk=req.pk)
