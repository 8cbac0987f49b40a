from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import PlanStatus

OPEN_STATUSES = (PlanStatus.PENDING, PlanStatus.ACTIVE)


class PaymentPlan(models.Model):
    """A payment arrangement: ``amount`` of an account's arrears paid as a down payment and
    monthly installments (:class:`PlanInstallment`). Payments the account makes from the
    plan's start count toward the installments, oldest first. A plan that broke an
    eligibility rule waits for a supervisor's override (maker-checker) before it starts."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="payment_plans"
    )
    status = models.CharField(max_length=12, choices=PlanStatus, default=PlanStatus.ACTIVE)
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    down_payment = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    months = models.PositiveSmallIntegerField()
    start_date = models.DateField(
        help_text="Business date the plan was set up; payments count from it"
    )
    first_due = models.DateField(help_text="Due date of the first monthly installment")
    rule_problems = models.TextField(blank=True, help_text="Eligibility rules the plan breaks")
    override_reason = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=500, blank=True)
    ineligible_until = models.DateField(null=True, blank=True)
    letter = models.ForeignKey(
        "collections.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        permissions = [("approve_plan_override", "Can approve a payment plan's override")]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=["pending", "active"]),
                name="plan_one_open_per_account",
                violation_error_message="The account already has an open payment plan.",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="plan_override_not_own",
                violation_error_message="Nobody approves their own override.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(down_payment__gte=0)
                & Q(down_payment__lte=F("amount")),
                name="plan_amounts_sane",
                violation_error_message="The down payment is part of the plan's amount.",
            ),
        ]
        indexes = [models.Index(fields=["status", "account"], name="plan_status_account_idx")]

    def __str__(self) -> str:
        return f"Payment plan {self.pk}"


class PlanInstallment(models.Model):
    """One due amount of a plan: number 0 is the down payment (due on the start date)."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(db_index=True)
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="installment_once_per_plan"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_positive"),
        ]

    def __str__(self) -> str:
        return f"Installment {self.number} of plan {self.plan_id}"
