"""One-time charges: an administrator-kept list of miscellaneous fees (meter tampering,
a damaged padlock, ...) and each charge of one to an account, with its reason, its
maker-checker decision when it is above the limit, its journal posting, and the bill
that showed it (``billing.one_time``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from ..choices import FeeAmountKind, OneTimeChargeStatus
from .bills import MONEY, Bill


class MiscFee(models.Model):
    """A miscellaneous fee the city charges: a fixed amount, or one typed within limits."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    amount_kind = models.CharField(max_length=8, choices=FeeAmountKind, default=FeeAmountKind.FIXED)
    amount = MoneyField(**{**MONEY, "default": None}, null=True, blank=True, help_text="Fixed fee")
    minimum = MoneyField(**{**MONEY, "default": None}, null=True, blank=True)
    maximum = MoneyField(**{**MONEY, "default": None}, null=True, blank=True)
    service = models.ForeignKey(
        "ledger.Service", on_delete=models.PROTECT, related_name="+",
        help_text="The charge code (receivable) the fee is owed under",
    )  # fmt: skip
    revenue_gl = models.ForeignKey(
        "ledger.GLAccount", on_delete=models.PROTECT, related_name="+",
        verbose_name="GL revenue account",
    )  # fmt: skip
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount_kind="fixed") | models.Q(amount__gt=0),
                name="billing_miscfee_fixed_has_amount",
                violation_error_message="A fixed fee needs an amount above zero.",
            ),
            models.CheckConstraint(
                condition=~models.Q(amount_kind="entered")
                | (models.Q(minimum__gt=0) & models.Q(maximum__gte=models.F("minimum"))),
                name="billing_miscfee_entered_has_limits",
                violation_error_message="A typed fee needs a minimum above zero and a maximum.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OneTimeCharge(models.Model):
    """One fee charged to one account: posted at once, or after a second person approves."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="one_time_charges"
    )
    fee = models.ForeignKey(MiscFee, on_delete=models.PROTECT, related_name="charges")
    amount = MoneyField(**MONEY)
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=100, blank=True, help_text="Like service order 123")
    status = models.CharField(max_length=10, choices=OneTimeChargeStatus)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    transaction = models.OneToOneField(
        "ledger.JournalTransaction", on_delete=models.PROTECT, null=True, blank=True,
        related_name="one_time_charge",
    )  # fmt: skip
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="one_time_charges"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        permissions = [("approve_onetimecharge", "Can approve one-time charges over the limit")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="billing_onetimecharge_not_own_decision",
                violation_error_message="Nobody approves their own charge.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="billing_onetimecharge_amount_positive",
                violation_error_message="A charge is above zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fee.name} {self.amount} on {self.account_id}"
