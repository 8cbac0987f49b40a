"""Budget (level) billing: an account enrolled pays the same amount each bill; the
difference from its actual charges is carried and settled in the true-up month, or at
once when it leaves the plan (``billing.budget``)."""

from __future__ import annotations

import calendar

from django.conf import settings
from django.db import models
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from ..choices import BudgetStatus
from .bills import MONEY


class BudgetPlan(models.Model):
    """An account's enrolment in budget billing, from enrolment until it leaves."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="budget_plans"
    )
    status = models.CharField(max_length=8, choices=BudgetStatus, default=BudgetStatus.ACTIVE)
    amount = MoneyField(**MONEY, help_text="The level amount asked on each bill")
    basis = models.CharField(max_length=200, help_text="How the amount was computed")
    true_up_month = models.PositiveSmallIntegerField(help_text="1-12: the settle-up month")
    enrolled_on = models.DateField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)
    settled = MoneyField(
        **{**MONEY, "default": None}, null=True, blank=True,
        help_text="The carried difference that fell due when the plan ended",
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="active"),
                name="billing_budget_one_active_plan",
                violation_error_message="The account is already on budget billing.",
            ),
            models.CheckConstraint(
                condition=models.Q(true_up_month__gte=1, true_up_month__lte=12),
                name="billing_budget_true_up_month",
                violation_error_message="The true-up month is 1 to 12.",
            ),
        ]

    def __str__(self) -> str:
        return f"Budget {self.amount} for {self.account_id}"

    @property
    def true_up_month_name(self) -> str:
        return calendar.month_name[self.true_up_month]
