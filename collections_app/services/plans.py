"""Payment plans: set up (eligible, or waiting for a supervisor's override), the
agreement letter, cancel with a reason, and the daily check that completes paid plans and
defaults the ones with an installment missed past grace. Rules and the schedule:
``collections_app/plan_rules.py``. A plan posts no money: the arrears stay on the account
and payments taken at the counter count toward the installments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services as account_services
from accounts.models import Account
from billing_site.common import approvals, roles
from billing_site.common.approvals import ApprovalFlow, clean_reason
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.money import format_money
from billing_site.common.roles import require_perm
from ledger.selectors import current_business_date, payments_since

from .. import plan_rules
from ..choices import PlanStatus
from ..models import LetterTemplate, PaymentPlan, PlanInstallment
from .letters import letter_send

SETUP_PERM = "collections.add_paymentplan"
OVERRIDE_PERM = "collections.approve_plan_override"
AGREEMENT_TEMPLATE = "plan"


class PlanOverrides(ApprovalFlow[PaymentPlan]):
    """A plan that breaks an eligibility rule: a supervisor (not the requester) lets it start."""

    approve_perm = OVERRIDE_PERM
    plural = "payment plan overrides"
    pending, approved = PlanStatus.PENDING, PlanStatus.ACTIVE
    rejected, withdrawn = PlanStatus.REJECTED, PlanStatus.WITHDRAWN
    lock_related = ("account",)

    def amount_of(self, subject: PaymentPlan) -> Decimal:
        return subject.amount

    def limit_for(self, user: Any) -> Decimal | None:
        return approvals.limit_from_roles(user, {roles.SUPERVISOR: None})

    def describe(self, subject: PaymentPlan) -> str:
        return f"Payment plan {subject.pk}"

    def on_approve(self, subject: PaymentPlan, acting_user: User) -> str:
        return f"Override approved by {acting_user.get_username()}"

    def after(self, subject: PaymentPlan, *, event: str, previous: Any, acting_user: User) -> None:
        if event == "approved":
            subject.letter = plan_agreement_send(plan=subject, acting_user=acting_user)
            _save(subject, acting_user=acting_user, why="Agreement letter sent")


PLAN_OVERRIDES = PlanOverrides()


def _save(plan: PaymentPlan, *, acting_user: User, why: str) -> None:
    plan._history_user = acting_user  # type: ignore[attr-defined]
    plan._change_reason = why  # type: ignore[attr-defined]
    plan.full_clean()
    plan.save()


def plans_last_year(account_id: int, *, today: dt.date) -> int:
    since = today - dt.timedelta(days=365)
    counted = PaymentPlan.objects.filter(account_id=account_id, start_date__gt=since)
    return counted.exclude(status__in=[PlanStatus.REJECTED, PlanStatus.WITHDRAWN]).count()


def ineligible_until(account_id: int) -> dt.date | None:
    last = PaymentPlan.objects.filter(account_id=account_id, ineligible_until__isnull=False)
    return last.order_by("-ineligible_until").values_list("ineligible_until", flat=True).first()


def plan_problems(
    *, account: Account, amount: Decimal, down_payment: Decimal, months: int, today: dt.date
) -> list[str]:
    return plan_rules.rule_problems(
        amount=amount,
        down_payment=down_payment,
        months=months,
        plans_last_year=plans_last_year(account.pk, today=today),
        ineligible_until=ineligible_until(account.pk),
        today=today,
    )


def _check_terms(
    *,
    account: Account,
    amount: Decimal,
    down_payment: Decimal,
    months: int,
    first_due: dt.date,
    today: dt.date,
) -> None:
    errors: dict[str, str] = {}
    owed = account.balance.amount
    if amount <= 0:
        errors["amount"] = "The plan's amount must be more than zero."
    elif amount > owed:
        errors["amount"] = f"The account owes {format_money(owed)}; a plan cannot be for more."
    if down_payment < 0 or down_payment > amount:
        errors["down_payment"] = "The down payment is between zero and the plan's amount."
    if months < 1:
        errors["months"] = "At least one monthly installment."
    if first_due <= today:
        errors["first_due"] = "The first installment falls after today."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *,
    account: Account,
    amount: Decimal,
    down_payment: Decimal,
    months: int,
    first_due: dt.date,
    override_reason: str = "",
    acting_user: User,
) -> PaymentPlan:
    """Set up a plan. Eligible: active at once, with its agreement letter. Breaking a rule:
    refused without a reason; with one, it waits for a supervisor's override."""
    require_perm(acting_user, SETUP_PERM)
    account = Account.objects.select_for_update().select_related("customer").get(pk=account.pk)
    today = current_business_date()
    _check_terms(
        account=account,
        amount=amount,
        down_payment=down_payment,
        months=months,
        first_due=first_due,
        today=today,
    )
    if PaymentPlan.objects.filter(
        account=account, status__in=[PlanStatus.PENDING, PlanStatus.ACTIVE]
    ).exists():
        raise ValidationError("The account already has an open payment plan.")
    problems = plan_problems(
        account=account, amount=amount, down_payment=down_payment, months=months, today=today
    )
    reason = " ".join(override_reason.split())
    refuse_card_numbers(override_reason=reason)
    if problems and not reason:
        raise ValidationError(
            {
                "override_reason": "This plan breaks a rule: "
                + " ".join(problems)
                + " Give a reason to ask a supervisor for an override."
            }
        )
    plan = PaymentPlan(
        account=account,
        amount=amount,
        down_payment=down_payment,
        months=months,
        start_date=today,
        first_due=first_due,
        rule_problems="\n".join(problems),
        override_reason=clean_reason(reason, field="override_reason", ask="") if problems else "",
        requested_by=acting_user,
    )
    if problems:
        approvals.submit(
            flow=PLAN_OVERRIDES,
            subject=plan,
            acting_user=acting_user,
            why="Plan set up; override requested",
        )
    else:
        _save(plan, acting_user=acting_user, why="Plan set up")
    PlanInstallment.objects.bulk_create(
        PlanInstallment(plan=plan, number=d.number, due_date=d.due_date, amount=d.amount)
        for d in plan_rules.schedule(
            amount=amount,
            down_payment=down_payment,
            months=months,
            start=today,
            first_due=first_due,
        )
    )
    account_services.note_add(
        account=account,
        acting_user=acting_user,
        text=f"Payment plan {plan.pk} set up for {format_money(amount)}"
        + (" (waiting for an override)" if problems else ""),
    )
    if not problems:
        plan.letter = plan_agreement_send(plan=plan, acting_user=acting_user)
        _save(plan, acting_user=acting_user, why="Agreement letter sent")
    return plan


def agreement_text(plan: PaymentPlan) -> str:
    dues = list(plan.installments.order_by("number"))
    lines = [f"The amount of the arrangement is {format_money(plan.amount)}."]
    for d in dues:
        what = "Down payment" if d.number == 0 else f"Installment {d.number}"
        lines.append(f"{what}: {format_money(d.amount)} due on {d.due_date:%B %-d, %Y}.")
    lines.append(
        "Your new bills stay due on their own due dates. If an installment is not paid within "
        f"{plan_rules.plan_rules()['grace_days']} days of its due date, the arrangement ends and "
        "the remaining amount becomes due at once."
    )
    lines.append("Signature: ______________________________   Date: ______________")
    return "\n\n".join(lines)


def plan_agreement_send(*, plan: PaymentPlan, acting_user: User) -> Any:
    """The agreement letter (kind plan agreement), kept in the account's correspondence."""
    template = LetterTemplate.objects.get(code=AGREEMENT_TEMPLATE)
    return letter_send(
        account=plan.account, template=template, text=agreement_text(plan), acting_user=acting_user
    )


def plan_override_approve(*, plan: PaymentPlan, note: str = "", acting_user: User) -> PaymentPlan:
    return approvals.approve(flow=PLAN_OVERRIDES, subject=plan, acting_user=acting_user, note=note)


def plan_override_reject(*, plan: PaymentPlan, reason: str, acting_user: User) -> PaymentPlan:
    return approvals.reject(
        flow=PLAN_OVERRIDES, subject=plan, reason=reason, acting_user=acting_user
    )


@transaction.atomic
def plan_cancel(*, plan: PaymentPlan, reason: str, acting_user: User) -> PaymentPlan:
    """End an open plan by hand, saying why (the arrears go back into the timeline)."""
    require_perm(acting_user, SETUP_PERM)
    locked = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status not in (PlanStatus.ACTIVE, PlanStatus.PENDING):
        raise ValidationError(
            f"The plan is {locked.get_status_display().lower()}; it cannot be cancelled."
        )
    locked.end_reason = clean_reason(reason, field="reason", ask="Say why the plan is cancelled.")
    locked.status, locked.ended_on, locked.ended_by = (
        PlanStatus.CANCELLED,
        current_business_date(),
        acting_user,
    )
    _save(locked, acting_user=acting_user, why=f"Cancelled: {locked.end_reason}")
    account_services.note_add(
        account=locked.account,
        acting_user=acting_user,
        text=f"Payment plan {locked.pk} cancelled: {locked.end_reason}",
    )
    return locked


CHECK_CHUNK = 1000


def plan_defaults_check(*, on: dt.date, acting_user: User) -> dict[str, int]:
    """The daily check: completes every active plan paid in full and defaults every one with
    an installment still short ``grace_days`` after its due date. Each chunk of plans is its
    own transaction, so a run stopped half-way is simply run again."""
    require_perm(acting_user, SETUP_PERM)
    counts = {"checked": 0, "completed": 0, "defaulted": 0}
    last = 0
    while True:
        ids = list(
            PaymentPlan.objects.filter(status=PlanStatus.ACTIVE, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHECK_CHUNK]
        )
        if not ids:
            return counts
        for key, n in _check_chunk(ids=ids, on=on, acting_user=acting_user).items():
            counts[key] += n
        last = ids[-1]


@transaction.atomic
def _check_chunk(*, ids: list[int], on: dt.date, acting_user: User) -> dict[str, int]:
    rules = plan_rules.plan_rules()
    plans = list(
        PaymentPlan.objects.select_for_update()
        .filter(pk__in=ids, status=PlanStatus.ACTIVE)
        .prefetch_related("installments")
    )
    paid = payments_since({p.account_id: p.start_date for p in plans})
    counts = {"checked": len(plans), "completed": 0, "defaulted": 0}
    for plan in plans:
        dues = [plan_rules.Due(i.number, i.due_date, i.amount) for i in plan.installments.all()]
        got = paid.get(plan.account_id, Decimal(0))
        if got >= plan.amount:
            plan.status, plan.end_reason = PlanStatus.COMPLETED, "Paid in full"
            counts["completed"] += 1
        elif (
            short := plan_rules.missed(dues, got, on=on, grace_days=rules["grace_days"])
        ) is not None:
            plan.status = PlanStatus.DEFAULTED
            plan.end_reason = f"Installment {short.number} due {short.due_date:%b %-d, %Y} not paid"
            plan.ineligible_until = on + dt.timedelta(days=rules["ineligible_days"])
            counts["defaulted"] += 1
        else:
            continue
        plan.ended_on, plan.ended_by = on, acting_user
        _save(plan, acting_user=acting_user, why=plan.end_reason)
    return counts
