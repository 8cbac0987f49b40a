"""Budget (level) billing.

* **Eligible** (``budget_refusals``): an active account, at least
  ``BILLING_BUDGET_MIN_MONTHS`` months since it started at the premise, at least
  ``BILLING_BUDGET_MIN_BILLS`` posted bills to average, and no current delinquency (it
  owes no more than the new charges of its bills not yet due).
* **Amount** (``budget_amount_for``): the average new charges of its last
  ``BILLING_BUDGET_BILLS_AVERAGED`` posted bills, plus ``BILLING_BUDGET_PERCENT``
  percent, half-up to the cent: bills of $40, $50 and $60 plus 10% ask $55.00.
* **Each bill** (``budget_bills_posted``, when a bill of an enrolled account posts):
  the ledger posts the *actual* charges, as for every account (decision: the balance is
  always what the customer really owes, so aging, allocation and refunds need no second
  notion of balance). The bill records ``budget_carried``, the difference between the
  actual charges and the budget amounts billed since enrolment (carried before + new
  charges - budget amount), and ``budget_amount``, what the plan asks now: the amount
  due less what is carried (the level amount for a customer who paid the last one).
* **True-up**: the bill dated in the plan's true-up month (after the enrolment month)
  carries nothing: it asks the whole amount due, and the level amount is computed again
  from the latest bills for the year ahead.
* **Leaving** (``budget_leave``): the plan ends at once, and whatever was carried is
  due now (kept on the plan as ``settled``; the next bill asks the whole amount due).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.money import ZERO, format_money, quantize_half_up
from billing_site.common.roles import require_perm
from ledger import selectors as ledger_selectors

from .choices import BillStatus, BudgetStatus
from .models import Bill, BillRun, BudgetPlan

ENROL = "billing.add_budgetplan"
LEAVE = "billing.change_budgetplan"


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def budget_refusals(account: Account, *, today: date | None = None) -> list[str]:
    """Why ``account`` cannot be enrolled, in plain words (empty: it can), as of ``today``
    (default: the open business day)."""
    if today is None:
        day = ledger_selectors.open_business_day()
        today = day.date if day else timezone.localdate()
    refusals = []
    if account.status != AccountStatus.ACTIVE:
        refusals.append("Only an active account can be on budget billing.")
    months = settings.BILLING_BUDGET_MIN_MONTHS
    if months and _months_between(account.start_date, today) < months:
        refusals.append(f"The account has been at the premise less than {months} months.")
    bills = Bill.objects.filter(account=account, status=BillStatus.POSTED)
    if bills.count() < settings.BILLING_BUDGET_MIN_BILLS:
        refusals.append(
            f"The account needs {settings.BILLING_BUDGET_MIN_BILLS} bills to average; "
            f"it has {bills.count()}."
        )
    not_due = bills.filter(due_date__gte=today).aggregate(t=Sum("new_charges"))["t"] or ZERO
    owed = ledger_selectors.open_amounts(account.pk).balance
    if owed > not_due:
        refusals.append(
            f"The account is past due ({format_money(owed - not_due)} owed from bills already due)."
        )
    if BudgetPlan.objects.filter(account=account, status=BudgetStatus.ACTIVE).exists():
        refusals.append("The account is already on budget billing.")
    return refusals


def budget_amount_for(account_id: int) -> tuple[Decimal, str]:
    """The level amount from the account's recent bills, and how it was computed."""
    count = settings.BILLING_BUDGET_BILLS_AVERAGED
    recent = list(
        Bill.objects.filter(account_id=account_id, status=BillStatus.POSTED)
        .order_by("-number")
        .values_list("new_charges", flat=True)[:count]
    )
    if not recent:
        raise ValidationError("The account has no bills to compute a budget amount from.")
    average = sum(recent, ZERO) / len(recent)
    percent = Decimal(settings.BILLING_BUDGET_PERCENT)
    amount = quantize_half_up(average * (1 + percent / 100))
    basis = (
        f"average of the last {len(recent)} bills {format_money(quantize_half_up(average))}"
        f" + {percent.normalize():f}%"
    )
    return amount, basis


@transaction.atomic
def budget_enrol(*, account: Account, true_up_month: int, acting_user: User) -> BudgetPlan:
    """Enrol an eligible account; its level amount computed from its recent bills."""
    require_perm(acting_user, ENROL)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    refusals = budget_refusals(locked)
    if refusals:
        raise ValidationError(refusals)
    if not 1 <= true_up_month <= 12:
        raise ValidationError({"true_up_month": "Choose the true-up month."})
    amount, basis = budget_amount_for(locked.pk)
    plan = BudgetPlan(
        account=locked, amount=amount, basis=basis, true_up_month=true_up_month,
        enrolled_on=ledger_selectors.current_business_date(), enrolled_by=acting_user,
    )  # fmt: skip
    _save(plan, acting_user, f"Enrolled at {format_money(amount)} ({basis})")
    return plan


@transaction.atomic
def budget_leave(*, plan: BudgetPlan, reason: str, acting_user: User) -> BudgetPlan:
    """End the plan now: whatever was carried is due at once."""
    require_perm(acting_user, LEAVE)
    refuse_card_numbers(reason=reason)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the account leaves budget billing."})
    locked = BudgetPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != BudgetStatus.ACTIVE:
        raise ValidationError("The account already left this plan.")
    locked.status = BudgetStatus.ENDED
    locked.ended_on = ledger_selectors.current_business_date()
    locked.ended_by = acting_user
    locked.end_reason = " ".join(reason.split())[:300]
    locked.settled = carried_now(locked)  # type: ignore[assignment]
    _save(locked, acting_user, f"Left the plan; {format_money(locked.settled.amount)} settled")
    return locked


def carried_now(plan: BudgetPlan) -> Decimal:
    """The difference carried after the plan's latest posted bill (zero before any)."""
    last = _last_budget_bill(plan)
    return last.budget_carried.amount if last and last.budget_carried is not None else ZERO


def _last_budget_bill(plan: BudgetPlan, *, before: int | None = None) -> Bill | None:
    bills = Bill.objects.filter(
        account_id=plan.account_id, status=BillStatus.POSTED, budget_carried__isnull=False,
        run__bill_date__gte=plan.enrolled_on,
    )  # fmt: skip
    if before is not None:
        bills = bills.filter(number__lt=before)
    return bills.order_by("-number").first()


def active_plans(account_ids: Sequence[int]) -> dict[int, BudgetPlan]:
    plans = BudgetPlan.objects.filter(account_id__in=account_ids, status=BudgetStatus.ACTIVE)
    return {plan.account_id: plan for plan in plans}


def budget_bills_posted(bills: Sequence[Bill], acting_user: User) -> None:
    """Record the budget amount and the carried difference on the just-posted bills of
    enrolled accounts (inside the posting's transaction; one query when none is)."""
    plans = active_plans([b.account_id for b in bills])
    if not plans:
        return
    enrolled = [b for b in bills if b.account_id in plans]
    bill_dates = dict(
        BillRun.objects.filter(pk__in={b.run_id for b in enrolled}).values_list("pk", "bill_date")
    )
    for bill in enrolled:
        plan = plans[bill.account_id]
        _budget_one(bill, plan, bill_dates[bill.run_id], acting_user)


def _dec(value: object) -> Decimal:
    return Decimal(getattr(value, "amount", value))  # type: ignore[arg-type]


def _budget_one(bill: Bill, plan: BudgetPlan, bill_date: date, acting_user: User) -> None:
    due = _dec(bill.amount_due)
    true_up = bill_date.month == plan.true_up_month and (bill_date.year, bill_date.month) > (
        plan.enrolled_on.year,
        plan.enrolled_on.month,
    )
    if true_up:
        carried = ZERO
    else:
        before = _last_budget_bill(plan, before=bill.number)
        carried_before = before.budget_carried.amount if before and before.budget_carried else ZERO
        carried = carried_before + _dec(bill.new_charges) - plan.amount.amount
    Bill.objects.filter(pk=bill.pk).update(
        budget_carried=carried, budget_amount=max(due - carried, ZERO)
    )
    if true_up:
        amount, basis = budget_amount_for(plan.account_id)
        plan.amount, plan.basis = amount, basis  # type: ignore[assignment]
        _save(
            plan, acting_user, f"True-up on bill {bill.number}; new amount {format_money(amount)}"
        )


def _save(plan: BudgetPlan, acting_user: User | None, why: str) -> None:
    plan._history_user = acting_user  # type: ignore[attr-defined]
    plan._change_reason = why[:100]  # type: ignore[attr-defined]
    plan.full_clean()
    plan.save()
