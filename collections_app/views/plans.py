"""Payment-plan pages: the lists, setting one up from an account, a plan's schedule with
its agreement letter, a supervisor's override decision and cancelling with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.models import Account
from billing_site.common.formflow import Submitted, submit, token_for
from billing_site.common.money import ZERO
from ledger.selectors import open_business_day

from .. import plan_selectors
from ..forms import PlanCancelForm, PlanDecideForm, PlanForm
from ..models import PaymentPlan
from ..plan_rules import CENT, add_months, plan_rules
from ..services import plans as services
from ..services.letters import letter_document

VIEW = "collections.view_paymentplan"
SETUP, DECIDE, CANCEL = (
    "collections.plan_setup",
    "collections.plan_decide",
    "collections.plan_cancel",
)
PAGE_SIZE = 50


def _today() -> dt.date:
    day = open_business_day()
    return day.date if day else dt.date.today()


@permission_required(VIEW, raise_exception=True)
def plan_list(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("show", "active")
    which = which if which in plan_selectors.LISTS else "active"
    page, rows = plan_selectors.plan_list_page(
        which, today=_today, page_number=request.GET.get("page")
    )
    context = {
        "rows": rows,
        "page": page,
        "which": which,
        "lists": plan_selectors.LISTS,
    }
    return render(request, "collections/plan_list.html", context)


@permission_required(services.SETUP_PERM, raise_exception=True)
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("customer", "premise"), pk=pk)
    today = _today()
    owed = max(account.balance.amount, ZERO)  # a Decimal even when nothing is owed
    rules = plan_rules()
    initial = {
        "amount": owed,
        "down_payment": (owed * Decimal(rules["min_down_percent"]) / 100).quantize(CENT),
        "months": min(6, rules["max_months"]),
        "first_due": add_months(today, 1),
    }
    form = PlanForm(request.POST or None, initial=initial)
    made: list[PaymentPlan] = []

    def setup() -> str:
        made.append(
            services.plan_create(account=account, **form.cleaned_data, acting_user=request.user)
        )
        return reverse("collections:plan", args=[made[0].pk])

    sent = submit(request, purpose=SETUP, form=form, action=setup, success="Payment plan set up.")
    if sent.done:
        if made and made[0].letter:  # committed: store the agreement's PDF once
            letter_document(letter=made[0].letter, acting_user=request.user)
        return sent.done
    problems = services.plan_problems(
        account=account,
        amount=owed,
        down_payment=initial["down_payment"],
        months=initial["months"],
        today=today,
    )
    context = {
        "account": account,
        "form": form,
        "token": sent.token,
        "rules": rules,
        "history_problems": [p for p in problems if "down payment" not in p and "term" not in p],
    }
    return render(request, "collections/plan_new.html", context, status=400 if form.errors else 200)


def _plan(pk: int) -> PaymentPlan:
    found = PaymentPlan.objects.select_related(
        "account__customer", "requested_by", "decided_by", "ended_by", "letter"
    ).prefetch_related("installments")
    return get_object_or_404(found, pk=pk)


@permission_required(VIEW, raise_exception=True)
def plan_detail(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(plan_pk)
    decide = (
        PlanDecideForm(request.POST or None) if "decision" in request.POST else PlanDecideForm()
    )
    cancel = PlanCancelForm(request.POST or None) if "reason" in request.POST else PlanCancelForm()
    if request.method == "POST" and "decision" in request.POST:
        sent = _decide(request, plan, decide)
    else:
        sent = _cancel(request, plan, cancel)
    if sent.done:
        fresh = _plan(plan.pk)
        if fresh.letter:
            letter_document(letter=fresh.letter, acting_user=request.user)
        return sent.done
    refusal = services.approvals.approval_refusal(
        flow=services.PLAN_OVERRIDES, subject=plan, user=request.user
    )
    tokens = {
        "decide_token": token_for(request, DECIDE),
        "cancel_token": token_for(request, CANCEL),
    }
    tokens["decide_token" if "decision" in request.POST else "cancel_token"] = sent.token
    context = {
        "row": plan_selectors.plan_row(plan),
        "plan": plan,
        "decide": decide,
        "cancel": cancel,
        "refusal": refusal,
        **tokens,
    }
    return render(request, "collections/plan_detail.html", context)


def _decide(request: HttpRequest, plan: PaymentPlan, form: PlanDecideForm) -> Submitted:
    def act() -> str:
        note = form.cleaned_data["note"]
        if form.cleaned_data["decision"] == "approve":
            services.plan_override_approve(plan=plan, note=note, acting_user=request.user)
        else:
            services.plan_override_reject(plan=plan, reason=note, acting_user=request.user)
        return reverse("collections:plan", args=[plan.pk])

    return submit(
        request,
        purpose=DECIDE,
        form=form,
        action=act,
        field_map={"reason": "note"},
        success="Decision recorded.",
    )


def _cancel(request: HttpRequest, plan: PaymentPlan, form: PlanCancelForm) -> Submitted:
    def act() -> str:
        services.plan_cancel(
            plan=plan, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        return reverse("collections:plan", args=[plan.pk])

    return submit(request, purpose=CANCEL, form=form, action=act, success="Plan cancelled.")
