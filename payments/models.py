"""Drawers, payments (one receipt each) with their tenders and account lines,
miscellaneous revenue items, and the end-of-day closeout with its bank deposits.

A payment's money is in the ledger (``Payment.transaction``); these rows say who
took it, in which drawer, with which tenders, and under which receipt number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from djmoney.models.fields import MoneyField

from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS

from .choices import CardBrand, DrawerStatus, PaymentStatus, TenderKind


def _money(**kwargs: object) -> MoneyField:
    return MoneyField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default_currency=CURRENCY, **kwargs
    )


class Drawer(models.Model):
    """A clerk's cash drawer for one business day: opened with a float, closed by a count."""

    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(db_index=True)
    status = models.CharField(max_length=10, choices=DrawerStatus, default=DrawerStatus.OPEN)
    opened_at = models.DateTimeField(db_default=Now())
    float_amount = _money(default=0)
    float_counts = models.JSONField(default=dict, help_text="Denomination -> count")
    closed_at = models.DateTimeField(null=True, blank=True)
    counted_counts = models.JSONField(default=dict, blank=True)
    counted_cash = _money(null=True, blank=True)
    counted_checks = models.JSONField(default=list, blank=True, help_text="[[number, amount]]")
    expected_cash = _money(null=True, blank=True)
    expected_checks = _money(null=True, blank=True)
    over_short = _money(null=True, blank=True)
    over_short_transaction = models.OneToOneField(
        "ledger.JournalTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-business_date", "id"]
        permissions = [("use_drawer", "Can open, use and close an own cash drawer")]
        constraints = [
            models.UniqueConstraint(
                fields=["clerk"],
                condition=models.Q(status="open"),
                name="drawer_one_open_per_clerk",
                violation_error_message="You already have an open drawer.",
            )
        ]

    def __str__(self) -> str:
        return f"Drawer {self.pk} ({self.business_date})"


class MiscRevenueItem(models.Model):
    """Something sold over the counter without a utility account (permit, lien search ...)."""

    name = models.CharField(max_length=100, unique=True)
    gl_account = models.ForeignKey(
        "ledger.GLAccount",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"role": "revenue"},
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "miscellaneous revenue item"

    def __str__(self) -> str:
        return self.name


class Payment(models.Model):
    """One receipt: money taken at a drawer, applied to accounts or to misc revenue."""

    drawer = models.ForeignKey(Drawer, on_delete=models.PROTECT, related_name="payments")
    receipt_number = models.PositiveIntegerField()
    business_date = models.DateField(db_index=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(db_default=Now())
    status = models.CharField(max_length=10, choices=PaymentStatus, default=PaymentStatus.POSTED)
    total = _money()
    tendered = _money()
    change_due = _money(default=0)
    payer = models.CharField(max_length=200, blank=True)
    transaction = models.OneToOneField(
        "ledger.JournalTransaction", on_delete=models.PROTECT, related_name="+"
    )
    prints = models.PositiveIntegerField(
        default=0, help_text="Receipt prints; after the first, COPY"
    )
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)
    void_transaction = models.OneToOneField(
        "ledger.JournalTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        permissions = [
            ("take_payment", "Can take payments at an own drawer"),
            ("void_payment", "Can approve and post a void"),
            ("run_closeout", "Can run the end-of-day closeout"),
            ("view_cash_reports", "Can see cashiering reports"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["drawer", "receipt_number"],
                name="payment_receipt_unique_per_drawer",
                violation_error_message="This receipt number is already used in the drawer.",
            )
        ]

    def __str__(self) -> str:
        return f"Receipt {self.receipt_label}"

    @property
    def receipt_label(self) -> str:
        return f"{self.drawer_id}-{self.receipt_number:05d}"


class PaymentLine(models.Model):
    """What one payment paid: an account (allocated by the ledger) or a misc revenue item."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    misc_item = models.ForeignKey(
        MiscRevenueItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    amount = _money()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(account__isnull=False) & models.Q(misc_item__isnull=True))
                | (models.Q(account__isnull=True) & models.Q(misc_item__isnull=False)),
                name="payment_line_account_or_item",
                violation_error_message="A line pays either an account or a revenue item.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment} {self.amount}"


class Tender(models.Model):
    """How the customer paid: cash, check (number), money order (serial), card (brand,
    last four, authorisation code; never the card number)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="tenders")
    kind = models.CharField(max_length=20, choices=TenderKind)
    amount = _money()
    reference = models.CharField(max_length=30, blank=True, help_text="Check no., serial, auth")
    card_brand = models.CharField(max_length=20, choices=CardBrand, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="tender_amount_positive",
                violation_error_message="A tender must be more than zero.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Closeout(models.Model):
    """The end of a business day: every drawer balanced, deposits prepared, the day closed."""

    business_date = models.DateField(unique=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(db_default=Now())
    next_date = models.DateField()

    class Meta:
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"Closeout {self.business_date}"


class Deposit(models.Model):
    """One bank deposit slip of a closeout: one bank account and fund group."""

    closeout = models.ForeignKey(Closeout, on_delete=models.PROTECT, related_name="deposits")
    slip_number = models.PositiveIntegerField(unique=True)
    bank_account = models.CharField(max_length=100)
    fund = models.ForeignKey("ledger.Fund", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=100)
    cash = _money()
    checks = _money()
    check_count = models.PositiveIntegerField(default=0)
    total = _money()

    class Meta:
        ordering = ["slip_number"]

    def __str__(self) -> str:
        return f"Deposit slip {self.slip_number}"
