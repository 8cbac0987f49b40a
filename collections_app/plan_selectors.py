"""Reads of payment plans: each plan with what is paid and what is due next (three queries
for any page of plans), the lists (active, due this week, defaulted, waiting), the plans in
good standing (for the late-fee and notice runs) and the counter's "installment due" line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from billing_site.common.money import format_money
from ledger.selectors import open_business_day, payments_since

from . import plan_rules
from .choices import PlanStatus
from .models import PaymentPlan, PlanInstallment

LISTS = {
    "active": "Active",
    "due_week": "Due this week",
    "defaulted": "Defaulted",
    "pending": "Waiting for an override",
    "all": "All",
}


@dataclass(frozen=True)
class PlanRow:
    plan: PaymentPlan
    paid: Decimal
    lines: list[tuple[PlanInstallment, Decimal]]  # each installment with what of it is paid
    next_due: PlanInstallment | None
    next_owed: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.plan.amount - self.paid, Decimal(0))


def plan_rows(plans: Iterable[PaymentPlan]) -> list[PlanRow]:
    """Plans (with ``installments`` prefetched) with their progress: one query of payments."""
    plans = list(plans)
    counted = [
        p
        for p in plans
        if p.status in (PlanStatus.ACTIVE, PlanStatus.COMPLETED, PlanStatus.DEFAULTED)
    ]
    paid = payments_since({p.account_id: p.start_date for p in counted})
    rows = []
    for plan in plans:
        got = paid.get(plan.account_id, Decimal(0)) if plan in counted else Decimal(0)
        left, lines, next_due, owed = got, [], None, Decimal(0)
        for inst in plan.installments.all():
            part = min(max(left, Decimal(0)), inst.amount)
            left -= part
            lines.append((inst, part))
            if next_due is None and part < inst.amount:
                next_due, owed = inst, inst.amount - part
        rows.append(PlanRow(plan, got, lines, next_due, owed))
    return rows


def plans_listed(which: str, *, today: dt.date) -> QuerySet[PaymentPlan]:
    plans = PaymentPlan.objects.select_related("account__customer", "requested_by")
    plans = plans.prefetch_related("installments").order_by("-pk")
    if which == "active":
        return plans.filter(status=PlanStatus.ACTIVE)
    if which == "due_week":
        week = PlanInstallment.objects.filter(
            plan=OuterRef("pk"), due_date__gte=today, due_date__lt=today + dt.timedelta(days=7)
        )
        return plans.filter(Exists(week), status=PlanStatus.ACTIVE)
    if which == "defaulted":
        return plans.filter(status=PlanStatus.DEFAULTED)
    if which == "pending":
        return plans.filter(status=PlanStatus.PENDING)
    return plans


def plans_of(account_id: int) -> list[PlanRow]:
    found = PaymentPlan.objects.filter(account_id=account_id).prefetch_related("installments")
    return plan_rows(found.select_related("requested_by", "decided_by")[:10])


def plan_row(plan: PaymentPlan) -> PlanRow:
    return plan_rows([plan])[0]


def plans_in_good_standing(account_ids: list[int]) -> Iterable[int]:
    """Accounts with an active plan (the daily check defaults the ones that missed)."""
    found = PaymentPlan.objects.filter(account_id__in=account_ids, status=PlanStatus.ACTIVE)
    return found.values_list("account_id", flat=True)


def counter_alerts(account: object) -> list[str]:
    """The counter's line for an account on an active plan: "Installment due $X on <date>"."""
    account_id = getattr(account, "pk", None)
    plan = (
        PaymentPlan.objects.filter(account_id=account_id, status=PlanStatus.ACTIVE)
        .prefetch_related("installments")
        .first()
    )
    if plan is None:
        return []
    row = plan_row(plan)
    if row.next_due is None:
        return [f"Payment plan {plan.pk} is paid in full."]
    day = open_business_day()
    late = day is not None and row.next_due.due_date < day.date
    return [
        f"Payment plan: installment due {format_money(row.next_owed)} on "
        f"{row.next_due.due_date:%b %-d, %Y}" + (" (past due)" if late else "")
    ]


__all__ = ["LISTS", "PlanRow", "plan_rules"]
