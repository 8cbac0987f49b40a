"""Collection-agency referrals: the agencies a city places final accounts with, each batch
of referrals (a placement, with its placement file), the referrals themselves (an account
"in collections" until recalled or paid in full) and the agency's remittance files."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing_site.common.fees import FeeRule
from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import ReferralStatus

MONEY = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}
OPTIONAL_MONEY = {**MONEY, "null": True, "blank": True}


class Agency(models.Model):
    """A collection agency (kept by an administrator): who to call, the commission it keeps
    of what it collects, and the placement fee the city adds to a referred account (the
    shared fee rule: flat, percent of the referred balance, minimum, maximum; empty: none)."""

    name = models.CharField(max_length=100, unique=True)
    contact = models.CharField(max_length=200, blank=True, help_text="Person, phone, e-mail")
    commission_percent = models.DecimalField(max_digits=5, decimal_places=2)
    fee_flat = models.DecimalField(**OPTIONAL_MONEY, verbose_name="placement fee (flat)")
    fee_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True,
        verbose_name="placement fee (percent of the referred balance)",
    )  # fmt: skip
    fee_minimum = models.DecimalField(**OPTIONAL_MONEY, verbose_name="placement fee minimum")
    fee_maximum = models.DecimalField(**OPTIONAL_MONEY, verbose_name="placement fee maximum")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_percent__gte=0) & Q(commission_percent__lt=100),
                name="agency_commission_sane",
                violation_error_message="The commission is a percentage from 0 to under 100.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def fee_rule(self) -> FeeRule:
        return FeeRule(
            flat=self.fee_flat,
            percent=self.fee_percent,
            minimum=self.fee_minimum if (self.fee_flat or self.fee_percent) else None,
            maximum=self.fee_maximum,
        )


class Placement(models.Model):
    """One batch of referrals sent to an agency together; its placement file (CSV) is
    stored as the document ``collections.placement`` of this row."""

    number = models.PositiveIntegerField(unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="placements")
    business_date = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Placement {self.number}"


class Referral(models.Model):
    """An account placed with an agency: "in collections" (the account flag) while active;
    recalled by a coordinator (with a reason) or closed when paid in full."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="referrals"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(max_length=10, choices=ReferralStatus, default=ReferralStatus.ACTIVE)
    amount = models.DecimalField(**MONEY, help_text="Owed when referred (with the fee)")
    fee = models.DecimalField(**MONEY, default=Decimal("0.00"))
    why = models.CharField(max_length=300)
    referred_on = models.DateField()
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    collected = models.DecimalField(**MONEY, default=Decimal("0.00"))
    letter = models.ForeignKey(
        "collections.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    close_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-referred_on", "-pk"]
        permissions = [
            ("refer_account", "Can refer accounts to a collection agency and recall them"),
            ("import_agency_remittance", "Can import a collection agency's remittance file"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status="active"),
                name="referral_once_active",
                violation_error_message="The account is already with an agency.",
            )
        ]

    def __str__(self) -> str:
        return f"Referral of {self.account_id} to {self.agency_id}"


class AgencyRemittance(models.Model):
    """An agency's remittance file, posted once (the file's SHA-256 is unique)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="remittances")
    file_name = models.CharField(max_length=200)
    file_hash = models.CharField(max_length=64, unique=True)
    business_date = models.DateField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    gross = models.DecimalField(**MONEY, default=Decimal("0.00"))
    commission = models.DecimalField(**MONEY, default=Decimal("0.00"))
    net = models.DecimalField(**MONEY, default=Decimal("0.00"))

    class Meta:
        ordering = ["-posted_at", "-pk"]

    def __str__(self) -> str:
        return f"Remittance {self.pk} from {self.agency_id}"


class AgencyRemittanceLine(models.Model):
    """One account's row of a remittance: the gross paid the account (after reversing that
    much of a posted write-off, ``recovered``), the commission to the expense GL, the net
    to cash."""

    remittance = models.ForeignKey(AgencyRemittance, on_delete=models.PROTECT, related_name="lines")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="remittances")
    line_number = models.PositiveIntegerField()
    collected_on = models.DateField()
    gross = models.DecimalField(**MONEY)
    commission = models.DecimalField(**MONEY)
    net = models.DecimalField(**MONEY)
    recovered = models.DecimalField(**MONEY, default=Decimal("0.00"))
    transaction_id = models.BigIntegerField()

    class Meta:
        ordering = ["remittance", "line_number"]

    def __str__(self) -> str:
        return f"Remittance line {self.line_number} of {self.remittance_id}"
