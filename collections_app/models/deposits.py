from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.choices import AccountClass
from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import CreditBand, DepositMethod

MONEY = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}


class DepositRule(models.Model):
    """How much deposit an account of a class and credit band owes: a fixed amount, or a
    number of months of its premise's average bill (blank class: the fallback)."""

    account_class = models.CharField(max_length=20, choices=AccountClass, blank=True)
    band = models.CharField(max_length=1, choices=CreditBand)
    method = models.CharField(max_length=10, choices=DepositMethod, default=DepositMethod.FIXED)
    amount = models.DecimalField(**MONEY, default=0, help_text="Fixed amount, or the least")
    months = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["account_class", "band"]
        constraints = [
            models.UniqueConstraint(fields=["account_class", "band"], name="deposit_rule_once")
        ]

    def __str__(self) -> str:
        return f"Deposit rule {self.account_class or 'any'}/{self.band}"


class CreditResult(models.Model):
    """A credit check's band recorded by a coordinator, or a letter of credit from a previous
    utility (which waives the deposit); the newest one counts."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="credit_results"
    )
    band = models.CharField(max_length=1, choices=CreditBand)
    letter_of_credit = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"Credit result {self.band} for {self.account_id}"


class SecurityDeposit(models.Model):
    """A deposit taken for an account (the money sits in the ledger's deposits held); kept
    here for the date it was taken (refund review) and what became of it."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="security_deposits"
    )
    amount = models.DecimalField(**MONEY)
    taken_on = models.DateField()
    transaction_id = models.BigIntegerField(help_text="The ledger's deposit transaction")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_on = models.DateField(null=True, blank=True)
    returned_how = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-taken_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_positive")]

    def __str__(self) -> str:
        return f"Deposit {self.amount} for {self.account_id}"


class DepositInterest(models.Model):
    """Interest credited to an account's deposit for a period: once per account and period."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    period_end = models.DateField()
    amount = models.DecimalField(**MONEY)
    transaction_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "period_end"], name="interest_once")
        ]

    def __str__(self) -> str:
        return f"Interest {self.amount} for {self.account_id} to {self.period_end}"


class DepositRequired(models.Model):
    """The deposit rule's answer when service starts (a start-service order completed, or a
    coordinator asking): how much the account must deposit and why. The newest row
    counts; what is still to take is that amount less the deposit held (ledger)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="deposits_required"
    )
    amount = models.DecimalField(**MONEY)
    band = models.CharField(max_length=1, choices=CreditBand)
    why = models.CharField(max_length=300)
    reason = models.CharField(max_length=200, help_text="What started the rule")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Collected with the bill: each bill asks for what is still to take beside the
    # balance, and a payment's part above what the account owes goes to it.
    on_bill = models.BooleanField(default=False)
    put_on_bill_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_required_positive")
        ]

    def __str__(self) -> str:
        return f"Deposit of {self.amount} required for {self.account_id}"
