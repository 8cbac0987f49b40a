"""Refund pages: the refunds desk, a request form, one refund, the decisions and the
accounts-payable exports (``adjustments.refunds``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import account_by_number
from billing_site.common.cards import CardSafeForm
from billing_site.common.formflow import submit
from billing_site.common.idempotency import issue_token

from ..forms import DecisionForm
from ..models import Refund, RefundExport
from ..refunds import export, requests, selectors
from ..refunds.forms import RefundRequestForm
from ..wording import who

NEW_REFUND = "adjustments.refund"
EXPORT = "adjustments.refund_export"
VIEW = selectors.VIEW
REQUEST = "adjustments.request_refund"


def _require_refund_access(user: Any) -> None:
    if not (user.has_perm(VIEW) or user.has_perm(REQUEST)):
        raise PermissionDenied("Your role has no access to refunds.")


def refunds(request: HttpRequest) -> HttpResponse:
    """The refunds desk: waiting for approval, approved for export, the last exports."""
    _require_refund_access(request.user)
    if not request.user.has_perm(VIEW):
        raise PermissionDenied("Your role has no access to the refunds desk.")
    limit = selectors.RULES.limit_for(request.user)
    waiting = [
        (r, selectors.approval_refusal(r, request.user, limit=limit) is None)
        for r in selectors.refunds_waiting()[:500]
    ]
    to_export = list(selectors.refunds_to_export()[:500])
    context = {
        "waiting": waiting,
        "to_export": to_export,
        "to_export_total": export.export_total(to_export),
        "exports": list(selectors.recent_exports()),
        "export_token": issue_token(user_id=request.user.pk, purpose=EXPORT),
    }
    return render(request, "adjustments/refunds/index.html", context)


def _initial(request: HttpRequest) -> dict[str, Any]:
    """Opened from an account page: its number, all of its credit and the default payee."""
    account = account_by_number(request.GET.get("account", "").strip())
    if account is None:
        return {}
    payee = requests.default_payee(account)
    available = selectors.refundable(account).available
    return {
        "account": account.number,
        "amount": f"{available:.2f}" if available > 0 else "",
        "payee_name": payee.name,
        "payee_line1": payee.line1,
        "payee_line2": payee.line2,
        "payee_city": payee.city,
        "payee_state": payee.state,
        "payee_zip": payee.zip_code,
    }


@permission_required(REQUEST, raise_exception=True)
def refund_new(request: HttpRequest) -> HttpResponse:
    form = RefundRequestForm(request.POST or None, initial=_initial(request))

    def create() -> str:
        data = form.cleaned_data
        refund = requests.refund_request(
            account=data["account"],
            amount=data["amount"],
            memo=data["memo"],
            payee=form.payee_in(),
            acting_user=request.user,
        )
        return reverse("adjustments:refund", args=[refund.pk])

    done = "The refund is waiting for a supervisor's approval."
    sent = submit(request, purpose=NEW_REFUND, form=form, action=create, success=done)
    if sent.done:
        return sent.done
    return render(request, "adjustments/refunds/form.html", {"form": form, "token": sent.token})


def refund_detail(request: HttpRequest, refund_pk: int) -> HttpResponse:
    _require_refund_access(request.user)
    return detail_page(request, selectors.refund_for_user(refund_pk, request.user))


def detail_page(
    request: HttpRequest, refund: Refund, *, form: DecisionForm | None = None, token: str = ""
) -> HttpResponse:
    refusal = selectors.approval_refusal(refund, request.user)
    context = {
        "refund": refund,
        "history": refund.history.select_related("history_user").order_by("history_date"),
        "can_decide": refusal is None,
        "refusal": refusal,
        "can_reject": selectors.rejection_refusal(refund, request.user) is None,
        "decision_form": form or DecisionForm(),
        "decide_token": token
        or issue_token(user_id=request.user.pk, purpose=f"adjustments.refund.decide.{refund.pk}"),
        "is_mine": refund.requested_by_id == request.user.pk,
    }
    return render(request, "adjustments/refunds/detail.html", context)


def _decide(request: HttpRequest, refund_pk: int, *, approve: bool) -> HttpResponse:
    refund = selectors.refund_for_user(refund_pk, request.user)
    form = DecisionForm(request.POST)

    def act() -> str:
        note = form.cleaned_data["reason"]
        if approve:
            requests.refund_approve(refund=refund, note=note, acting_user=request.user)
        else:
            requests.refund_reject(refund=refund, reason=note, acting_user=request.user)
        return reverse("adjustments:refund", args=[refund.pk])

    done = f"{refund} was {'approved and posted' if approve else 'rejected'}."
    purpose = f"adjustments.refund.decide.{refund.pk}"
    sent = submit(request, purpose=purpose, form=form, action=act, success=done)
    if sent.done:
        return sent.done
    refund.refresh_from_db()
    if sent.error and refund.status != selectors.RULES.pending:
        messages.error(request, " ".join(form.non_field_errors()))
    return detail_page(request, refund, form=form, token=sent.token)


@require_POST
@permission_required("adjustments.approve_refund", raise_exception=True)
def refund_approve(request: HttpRequest, refund_pk: int) -> HttpResponse:
    return _decide(request, refund_pk, approve=True)


@require_POST
@permission_required("adjustments.approve_refund", raise_exception=True)
def refund_reject(request: HttpRequest, refund_pk: int) -> HttpResponse:
    return _decide(request, refund_pk, approve=False)


@require_POST
@permission_required(REQUEST, raise_exception=True)
def refund_withdraw(request: HttpRequest, refund_pk: int) -> HttpResponse:
    refund = selectors.refund_for_user(refund_pk, request.user)
    try:
        requests.refund_withdraw(refund=refund, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{refund} was withdrawn.")
    return redirect("adjustments:refund", refund_pk=refund.pk)


@require_POST
@permission_required("adjustments.export_refunds", raise_exception=True)
def refund_export(request: HttpRequest) -> HttpResponse:
    """Hand every approved refund not yet exported to accounts payable, in one file."""
    form = CardSafeForm(request.POST)
    outcome: dict[str, Any] = {}

    def act() -> str:
        made, new = export.refunds_export(acting_user=request.user)
        outcome.update(made=made, new=new)
        return reverse("adjustments:refunds")

    sent = submit(request, purpose=EXPORT, form=form, action=act)
    if sent.error:
        messages.error(request, " ".join(form.non_field_errors()))
    elif outcome.get("new"):
        made = outcome["made"]
        messages.success(
            request,
            f"{made}: {made.refund_count} refunds, ${made.total.amount:,.2f}, marked exported. "
            "Download the file below.",
        )
    elif outcome:
        last = outcome["made"]
        messages.info(request, _nothing_new(last))
    return sent.done or redirect("adjustments:refunds")


def _nothing_new(last: RefundExport | None) -> str:
    if last is None:
        return "No approved refund is waiting for export; nothing was exported."
    when = timezone.localtime(last.created_at)
    return (
        f"Every approved refund is already exported: nothing new was made. The last file is "
        f"{last}, exported {when:%Y-%m-%d %H:%M} by {who(last.created_by)}; its download is "
        "the same file."
    )


@permission_required("adjustments.view_refundexport", raise_exception=True)
def refund_export_file(request: HttpRequest, export_pk: int) -> HttpResponse:
    """The stored accounts-payable file, byte-identical on every download."""
    made = get_object_or_404(RefundExport.objects.select_related("document"), pk=export_pk)
    response = HttpResponse(export.export_bytes(made), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{made.file_name}"'
    return response
