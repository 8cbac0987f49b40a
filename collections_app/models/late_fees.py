from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from accounts.choices import AccountClass
from billing_site.common.fees import FeeRule
from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import DayKind, LineStatus, RunStatus, WaiverStatus

AMOUNT = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}
OPTIONAL = {**AMOUNT, "null": True, "blank": True}


class LateFeeRule(models.Model):
    """How late a bill's service may be paid and what it costs after: one row per service
    and account class (blank class: every class without a row of its own).

    The fee is the shared fee rule (``billing_site.common.fees``) on the service's past-due
    amount: the flat fee or the percentage, whichever is greater, raised to the minimum and
    capped at the maximum; nothing below ``minimum_past_due``. Grace: the fee falls due the
    day after the last day of grace (see ``collections_app.late_fees``).
    """

    service = models.ForeignKey("ledger.Service", on_delete=models.PROTECT, related_name="+")
    account_class = models.CharField(max_length=20, choices=AccountClass, blank=True)
    fee_service = models.ForeignKey(
        "ledger.Service",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The charge code the fee is posted to (its revenue GL gets the fee).",
    )
    grace_days = models.PositiveSmallIntegerField(default=10)
    grace_kind = models.CharField(max_length=10, choices=DayKind, default=DayKind.CALENDAR)
    flat = models.DecimalField(**OPTIONAL)
    percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    minimum = models.DecimalField(**OPTIONAL)
    maximum = models.DecimalField(**OPTIONAL)
    minimum_past_due = models.DecimalField(**OPTIONAL, help_text="No fee below this past due.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["service__payment_order", "account_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "account_class"],
                name="late_fee_rule_one_per_service_class",
                violation_error_message="This service and class already have a late-fee rule.",
            )
        ]

    def __str__(self) -> str:
        return f"Late fee on {self.service.code} ({self.account_class or 'all classes'})"

    def fee_rule(self) -> FeeRule:
        """The shared fee rule, tiers included (prefetch ``tiers`` when reading many)."""
        tiers = list(self.tiers.all()) if self.pk else []
        return FeeRule(
            tiers=[(t.up_to, t.fee) for t in tiers if t.fee is not None],
            graduated=[(t.up_to, t.percent) for t in tiers if t.percent is not None],
            flat=self.flat,
            percent=self.percent,
            minimum=self.minimum,
            maximum=self.maximum,
            exempt_below=self.minimum_past_due,
        )


class LateFeeTier(models.Model):
    """One tier of a late-fee rule, by the past-due amount, up to and including
    ``up_to`` (blank: everything above the other tiers).

    Either a fee (the tier's fee when the past due falls in it: "$5.00 up to $100.00,
    $10.00 above") or a percentage of the slice of the past due in it ("5% of the first
    $100.00, 2% above": $150.00 past due draws 5.00 + 1.00). The rule's fee is the
    greatest of its tier fee, its graduated fee, its percentage and its flat fee, then
    the minimum and the maximum (``billing_site.common.fees``).
    """

    rule = models.ForeignKey(LateFeeRule, on_delete=models.CASCADE, related_name="tiers")
    up_to = models.DecimalField(**OPTIONAL, help_text="Blank: every amount above the others.")
    fee = models.DecimalField(**OPTIONAL, help_text="The fee when the past due is in this tier.")
    percent = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True,
        help_text="Or: this percentage of the part of the past due in this tier.",
    )  # fmt: skip

    class Meta:
        ordering = ["rule", models.F("up_to").asc(nulls_last=True)]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee__isnull=True) ^ models.Q(percent__isnull=True),
                name="late_fee_tier_fee_or_percent",
                violation_error_message="Give a tier either a fee or a percentage, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(up_to__isnull=True) | models.Q(up_to__gt=0),
                name="late_fee_tier_up_to_positive",
                violation_error_message="A tier's upper amount must be more than zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(fee__isnull=True) | models.Q(fee__gte=0),
                name="late_fee_tier_fee_not_negative",
                violation_error_message="A tier's fee cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True) | models.Q(percent__gte=0),
                name="late_fee_tier_percent_not_negative",
                violation_error_message="A tier's percentage cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        amount = self.fee if self.fee is not None else f"{self.percent}%"
        return f"{amount} up to {self.up_to}" if self.up_to else f"{amount} above"


class LateFeeRun(models.Model):
    """The late fees for the bills due on one date: calculated, reviewed on the proof
    list, then posted in bulk. A fee posts once per account, service and due date
    (a unique index on posted lines), so running it again posts nothing twice."""

    due_date = models.DateField()
    run_date = models.DateField(help_text="The business date it was calculated on")
    status = models.CharField(max_length=12, choices=RunStatus, default=RunStatus.CALCULATING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        permissions = [("post_latefeerun", "Can post a late-fee run")]

    def __str__(self) -> str:
        return f"Late fees for bills due {self.due_date:%Y-%m-%d}"


class LateFeeLine(models.Model):
    """One account's late fee on one service of a bill (or why it gets none)."""

    run = models.ForeignKey(LateFeeRun, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("ledger.Service", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    past_due = models.DecimalField(**AMOUNT)
    fee = models.DecimalField(**AMOUNT)
    status = models.CharField(max_length=10, choices=LineStatus, default=LineStatus.PROPOSED)
    reason = models.CharField(max_length=300, blank=True)
    computation = models.CharField(
        max_length=500, blank=True, help_text="How the fee was computed from the rule."
    )
    transaction = models.OneToOneField(
        "ledger.JournalTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="late_fee",
    )

    class Meta:
        ordering = ["run", "account", "service__payment_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "service", "due_date"],
                condition=models.Q(status="posted"),
                name="late_fee_once_per_due_date",
                violation_error_message="This late fee was already posted.",
            )
        ]

    def __str__(self) -> str:
        return f"Late fee {self.fee} on {self.account_id} ({self.status})"

    @property
    def waived(self) -> Decimal:
        return sum((w.amount for w in self.waivers.all() if w.status == "posted"), Decimal(0))


class LateFeeWaiver(models.Model):
    """A posted late fee taken back, with a reason: at once up to the waiver limit
    (an adjustment posted by the person waiving it), above it as an adjustment request
    that a second person approves in the adjustments queue."""

    line = models.ForeignKey(LateFeeLine, on_delete=models.PROTECT, related_name="waivers")
    amount = models.DecimalField(**AMOUNT)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=WaiverStatus)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    transaction = models.OneToOneField(
        "ledger.JournalTransaction", null=True, blank=True, on_delete=models.PROTECT,
        related_name="late_fee_waiver",
    )  # fmt: skip
    adjustment_request = models.OneToOneField(
        "adjustments.AdjustmentRequest", null=True, blank=True, on_delete=models.PROTECT,
        related_name="late_fee_waiver",
    )  # fmt: skip

    class Meta:
        ordering = ["-pk"]
        permissions = [("waive_latefee", "Can waive a late fee")]

    def __str__(self) -> str:
        return f"Waiver of {self.amount} on late fee {self.line_id}"
