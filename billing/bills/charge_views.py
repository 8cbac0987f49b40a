"""Pages for one-time charges (post one to an account; the approval queue for those over
the limit) and budget billing (enrol an account, leave the plan). Thin: permission,
form, service, redirect; the forms that move money carry a one-time token."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Account
from billing_site.common import approvals
from billing_site.common.formflow import submit
from billing_site.common.idempotency import issue_token

from .. import budget
from ..choices import BudgetStatus, OneTimeChargeStatus
from ..models import BudgetPlan, OneTimeCharge
from ..services import one_time
from .forms import BudgetEnrolForm, BudgetLeaveForm, OneTimeChargeForm, OneTimeChargeRejectForm

CHARGE_PURPOSE = "billing.one_time_charge"
DECIDE_PURPOSE = "billing.one_time_charge_decide"
ENROL_PURPOSE = "billing.budget_enrol"
LEAVE_PURPOSE = "billing.budget_leave"


def _account_url(account: Account) -> str:
    return reverse("accounts:detail", args=[account.pk]) + "#billing-panel"


@permission_required(one_time.CHARGE, raise_exception=True)
def charge_post(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = OneTimeChargeForm(request.POST or None)
    said: list[str] = []

    def post() -> str:
        charge = one_time.post_one_time_charge(
            account=account,
            acting_user=request.user,
            **form.cleaned_data,  # type: ignore[arg-type]
        )
        said.append(
            f"{charge.fee.name} of {charge.amount} posted."
            if charge.status == OneTimeChargeStatus.POSTED
            else f"{charge.fee.name} of {charge.amount} is over the limit: it waits for approval."
        )
        return _account_url(account)

    sent = submit(request, purpose=CHARGE_PURPOSE, form=form, action=post)
    if sent.done:
        if said:
            messages.success(request, said[0])
        return sent.done
    context = {
        "account": account, "form": form, "token": sent.token, "title": "Post a one-time charge",
        "intro": "The fee posts to the account now (over the limit, once a second person "
        "approves it) and shows on the next bill as its own line.",
        "submit_label": "Post the charge",
    }  # fmt: skip
    return render(request, "billing/bills/account_action.html", context, status=_status(form))


def _status(form: object) -> int:
    return 400 if getattr(form, "errors", None) else 200


@permission_required("billing.view_onetimecharge", raise_exception=True)
def charge_queue(request: HttpRequest) -> HttpResponse:
    """One-time charges waiting for approval, and the latest decided ones."""
    pending = OneTimeCharge.objects.filter(status=OneTimeChargeStatus.PENDING).select_related(
        "account", "fee", "requested_by"
    )
    limit = one_time.FLOW.limit_for(request.user)
    rows = [
        (
            c,
            approvals.approval_refusal(
                flow=one_time.FLOW, subject=c, user=request.user, limit=limit
            ),
        )
        for c in pending
    ]
    context = {
        "rows": rows,
        "token": issue_token(user_id=request.user.pk, purpose=DECIDE_PURPOSE),
        "reject_form": OneTimeChargeRejectForm(),
        "recent": OneTimeCharge.objects.exclude(status=OneTimeChargeStatus.PENDING).select_related(
            "account", "fee", "requested_by", "decided_by"
        )[:50],
    }
    return render(request, "billing/bills/charge_queue.html", context)


@require_POST
@permission_required(one_time.APPROVE, raise_exception=True)
def charge_decide(request: HttpRequest, charge_pk: int) -> HttpResponse:
    charge = get_object_or_404(OneTimeCharge, pk=charge_pk)
    form = OneTimeChargeRejectForm(request.POST if request.POST.get("reject") else None)

    def decide() -> str:
        if request.POST.get("reject"):
            one_time.one_time_charge_reject(
                charge=charge, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        else:
            one_time.one_time_charge_approve(charge=charge, acting_user=request.user)
        return reverse("billing:charge_queue")

    valid = form.is_valid() if form.is_bound else True
    sent = submit(request, purpose=DECIDE_PURPOSE, action=decide, valid=valid, form=None)
    if sent.done:
        return sent.done
    error = sent.error or "Say why the charge is rejected."
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("billing:charge_queue")


@permission_required("billing.view_budgetplan", raise_exception=True)
def budget_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The account's budget billing: its plan (or why it cannot enrol), enrol, leave."""
    account = get_object_or_404(Account, pk=pk)
    plan = BudgetPlan.objects.filter(account=account, status=BudgetStatus.ACTIVE).first()
    enrol_form = BudgetEnrolForm(request.POST if request.POST.get("enrol") else None)
    leave_form = BudgetLeaveForm(request.POST if request.POST.get("leave") else None)
    if request.method == "POST":
        response = _budget_post(request, account, plan, enrol_form, leave_form)
        if response is not None:
            return response
    refusals = budget.budget_refusals(account) if plan is None else []
    amount = None
    if plan is None and not refusals:
        amount = budget.budget_amount_for(account.pk)
    context = {
        "account": account, "plan": plan, "refusals": refusals, "amount": amount,
        "carried": budget.carried_now(plan) if plan else None,
        "enrol_form": enrol_form, "leave_form": leave_form,
        "token": request.POST.get("token") or issue_token(
            user_id=request.user.pk, purpose=LEAVE_PURPOSE if plan else ENROL_PURPOSE
        ),
        "past": BudgetPlan.objects.filter(account=account, status=BudgetStatus.ENDED),
    }  # fmt: skip
    status = 400 if enrol_form.errors or leave_form.errors else 200
    return render(request, "billing/bills/budget.html", context, status=status)


def _budget_post(
    request: HttpRequest,
    account: Account,
    plan: BudgetPlan | None,
    enrol_form: BudgetEnrolForm,
    leave_form: BudgetLeaveForm,
) -> HttpResponse | None:
    url = reverse("billing:budget", args=[account.pk])

    def enrol() -> str:
        budget.budget_enrol(
            account=account, true_up_month=enrol_form.cleaned_data["true_up_month"],
            acting_user=request.user,
        )  # fmt: skip
        return url

    def leave() -> str:
        assert plan is not None
        reason = leave_form.cleaned_data["reason"]
        budget.budget_leave(plan=plan, reason=reason, acting_user=request.user)
        return url

    if plan is None and enrol_form.is_bound:
        if not request.user.has_perm(budget.ENROL):
            return HttpResponse(status=403)
        sent = submit(
            request, purpose=ENROL_PURPOSE, form=enrol_form, action=enrol,
            success="Enrolled in budget billing.",
        )  # fmt: skip
        return sent.done
    if plan is not None and leave_form.is_bound:
        if not request.user.has_perm(budget.LEAVE):
            return HttpResponse(status=403)
        sent = submit(
            request, purpose=LEAVE_PURPOSE, form=leave_form, action=leave,
            success="The account left budget billing; the carried difference is due now.",
        )  # fmt: skip
        return sent.done
    messages.error(request, "The plan changed since the page was opened; nothing was saved.")
    return redirect(url)
