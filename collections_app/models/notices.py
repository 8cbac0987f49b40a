from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from accounts.choices import FlagKind
from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import CountedFrom, DayKind, LetterKind, RunStatus

AMOUNT = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}


class NoticeStep(models.Model):
    """A step of the delinquency timeline (reminder, shut-off notice, 48-hour notice,
    door hanger, disconnect), due ``days`` calendar or business days after a bill's due
    date or bill date, for accounts still owing at least ``minimum_past_due`` on it."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(unique=True)
    counted_from = models.CharField(
        max_length=10, choices=CountedFrom, default=CountedFrom.DUE_DATE
    )
    days = models.PositiveSmallIntegerField()
    day_kind = models.CharField(max_length=10, choices=DayKind, default=DayKind.CALENDAR)
    minimum_past_due = models.DecimalField(**AMOUNT, default=0)
    fee = models.DecimalField(**AMOUNT, default=0)
    fee_service = models.ForeignKey(
        "ledger.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    letter_kind = models.CharField(max_length=20, choices=LetterKind, default=LetterKind.NOTICE)
    letter_template = models.ForeignKey(
        "collections.LetterTemplate", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="No template: a list step (door hanger, disconnect).",
    )  # fmt: skip
    needs_previous = models.BooleanField(
        default=True, help_text="Only accounts that reached the step before, for the same bill."
    )
    excluded_flags = ArrayField(
        models.CharField(max_length=30, choices=FlagKind), default=list, blank=True
    )
    exclude_pending_adjustments = models.BooleanField(default=True)
    owner_copy = models.BooleanField(default=True, help_text="Courtesy copy to the owner.")
    is_disconnect = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class NoticeRun(models.Model):
    """One step of the timeline run on one business date: the proof list (who gets what
    and why, who is excluded and why), then the letters, fees and recorded steps."""

    step = models.ForeignKey(NoticeStep, on_delete=models.PROTECT, related_name="runs")
    run_date = models.DateField()
    paid_since = models.DateField(null=True, blank=True)
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
        permissions = [("post_noticerun", "Can send a notice run (letters, fees, steps)")]

    def __str__(self) -> str:
        return f"{self.step.name} on {self.run_date:%Y-%m-%d}"


class NoticeLine(models.Model):
    """One account's place on a notice run: included (and why) or excluded (and why)."""

    run = models.ForeignKey(NoticeRun, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="+")
    past_due = models.DecimalField(**AMOUNT)
    included = models.BooleanField()
    reason = models.CharField(max_length=300)
    owner_copy = models.BooleanField(default=False)
    route = models.CharField(max_length=20, blank=True)
    route_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "route", "route_sequence", "account"]

    def __str__(self) -> str:
        return f"{self.account_id} on run {self.run_id}: {self.reason}"


class AccountStep(models.Model):
    """A timeline step recorded on an account for one bill; once per account, bill and step."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="collection_steps"
    )
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(NoticeStep, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(NoticeRun, on_delete=models.PROTECT, related_name="steps")
    past_due = models.DecimalField(**AMOUNT)
    fee_transaction = models.OneToOneField(
        "ledger.JournalTransaction", null=True, blank=True, on_delete=models.PROTECT,
        related_name="notice_step",
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "bill", "step"],
                name="account_step_once_per_bill",
                violation_error_message="This step was already recorded for this bill.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} for {self.account_id} (bill {self.bill_id})"
