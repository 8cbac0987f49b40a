"""Payment plans without the database: the eligibility rules and the schedule.

Rules (setting ``COLLECTIONS_PLAN_RULES``, each key optional, defaults below):

* ``plans_per_year``: at most this many plans started in the last 365 days (plans
  refused or withdrawn do not count);
* ``max_months``: the longest term;
* ``min_down_percent``: the down payment is at least this percentage of the amount;
* ``ineligible_days``: after a default the account gets no plan for this many days;
* ``grace_days``: calendar days after an installment's due date before it is missed.

A plan that breaks a rule can still be set up with a reason: it waits for a
supervisor's override (maker-checker) before it starts.

Schedule: the down payment (installment 0) is due on the start date; the rest is
split into ``months`` equal installments, a month apart from ``first_due``; cents
are rounded half-up down to each installment and the last one takes the remainder,
so the installments always add up to the amount. Worked example: $1,000.00, $200.00
down, 3 months -> $266.67, $266.67, $266.66.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings

CENT = Decimal("0.01")
DEFAULT_RULES: dict[str, int] = {
    "plans_per_year": 1,
    "max_months": 12,
    "min_down_percent": 20,
    "ineligible_days": 365,
    "grace_days": 10,
}


def plan_rules() -> dict[str, int]:
    return {**DEFAULT_RULES, **settings.COLLECTIONS_PLAN_RULES}


@dataclass(frozen=True)
class Due:
    number: int
    due_date: dt.date
    amount: Decimal


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, held to the month's last day (Jan 31 -> Feb 28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule(
    *, amount: Decimal, down_payment: Decimal, months: int, start: dt.date, first_due: dt.date
) -> list[Due]:
    dues = [Due(0, start, down_payment)] if down_payment > 0 else []
    rest = amount - down_payment
    if months <= 0 or rest <= 0:
        return dues
    each = (rest / months).quantize(CENT, rounding=ROUND_HALF_UP)
    for n in range(1, months + 1):
        part = each if n < months else rest - each * (months - 1)
        dues.append(Due(n, add_months(first_due, n - 1), part))
    return dues


def rule_problems(
    *,
    amount: Decimal,
    down_payment: Decimal,
    months: int,
    plans_last_year: int,
    ineligible_until: dt.date | None,
    today: dt.date,
    rules: dict[str, Any] | None = None,
) -> list[str]:
    """The rules a proposed plan breaks, in plain words (empty: it is eligible)."""
    rules = rules or plan_rules()
    found = []
    if plans_last_year >= rules["plans_per_year"]:
        found.append(
            f"The account had {plans_last_year} plan(s) in the last 12 months; the limit is "
            f"{rules['plans_per_year']}."
        )
    if months > rules["max_months"]:
        found.append(f"The term is {months} months; the longest is {rules['max_months']}.")
    least = (amount * Decimal(rules["min_down_percent"]) / 100).quantize(CENT, ROUND_HALF_UP)
    if down_payment < least:
        found.append(
            f"The down payment is under {rules['min_down_percent']}% of the amount "
            f"(at least ${least:,})."
        )
    if ineligible_until and ineligible_until > today:
        found.append(
            f"A plan defaulted; the account is ineligible until {ineligible_until:%b %-d, %Y}."
        )
    return found


def covered(dues: list[Due], paid: Decimal) -> list[tuple[Due, Decimal]]:
    """Each installment with what of it is paid: payments fill them oldest first."""
    left, out = paid, []
    for due in dues:
        part = min(max(left, Decimal(0)), due.amount)
        out.append((due, part))
        left -= part
    return out


def missed(dues: list[Due], paid: Decimal, *, on: dt.date, grace_days: int) -> Due | None:
    """The first installment still short after its grace (the plan defaults), or None."""
    for due, part in covered(dues, paid):
        if part < due.amount and due.due_date + dt.timedelta(days=grace_days) < on:
            return due
    return None


def next_due(dues: list[Due], paid: Decimal) -> tuple[Due, Decimal] | None:
    """The first installment not fully paid and what is still owed on it."""
    for due, part in covered(dues, paid):
        if part < due.amount:
            return due, due.amount - part
    return None
