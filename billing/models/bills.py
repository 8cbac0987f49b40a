"""Bill runs and bills: a run per cycle and period goes Calculate -> Review -> Post -> Print;
each account of the cycle gets a draft bill (or an error saying why not), with one
line per rate component per service. A posted bill is never edited: PostgreSQL
refuses an UPDATE of its money and a DELETE of its lines (migration 0050)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from djmoney.models.fields import MoneyField

from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS

from ..choices import BillRunKind, BillRunStatus, BillStatus, CancelReason
from .agreements import BillingCycle
from .rates import QUANTITY

MONEY = {
    "max_digits": MAX_DIGITS,
    "decimal_places": DECIMAL_PLACES,
    "default_currency": CURRENCY,
    "default": 0,
}


class BillRun(models.Model):
    """One cycle's bills for one period, and who moved it through each stage and when."""

    cycle = models.ForeignKey(BillingCycle, on_delete=models.PROTECT, related_name="bill_runs")
    period_start = models.DateField()
    period_end = models.DateField()
    bill_date = models.DateField()
    due_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=BillRunStatus, default=BillRunStatus.CALCULATING
    )
    # A final bill is a run of one account, posted at once (``billing.bills.final``).
    kind = models.CharField(max_length=8, choices=BillRunKind, default=BillRunKind.CYCLE)
    message = models.CharField(max_length=300, blank=True, help_text="Printed on every bill")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    calculated_at = models.DateTimeField(null=True, blank=True)
    post_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    post_started_at = models.DateTimeField(null=True, blank=True)
    confirmed_total = MoneyField(**{**MONEY, "default": None}, null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    errors_excluded = models.BooleanField(default=False)
    print_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    print_started_at = models.DateTimeField(null=True, blank=True)
    printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        permissions = [("post_billrun", "Can post a bill run")]

    def __str__(self) -> str:
        return f"Bill run {self.pk}: {self.cycle.code} {self.period_start} to {self.period_end}"


class Bill(models.Model):
    """One account's bill in a run: a draft until posted, then numbered and never edited."""

    run = models.ForeignKey(BillRun, on_delete=models.PROTECT, related_name="bills")
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="bills")
    status = models.CharField(max_length=10, choices=BillStatus, default=BillStatus.DRAFT)
    number = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField()
    previous_balance = MoneyField(**MONEY)
    payments = MoneyField(**MONEY, help_text="Payments since the last bill (positive)")
    adjustments = MoneyField(**MONEY, help_text="Other changes since the last bill")
    new_charges = MoneyField(**MONEY)
    amount_due = MoneyField(**MONEY)
    # Budget billing (``billing.budget``): what the plan asks on this bill, and the
    # difference (actual charges less budget amounts) still carried after it.
    budget_amount = MoneyField(**{**MONEY, "default": None}, null=True, blank=True)
    budget_carried = MoneyField(**{**MONEY, "default": None}, null=True, blank=True)
    # A security deposit to collect with this bill (``billing.hooks.billed_deposits_due``):
    # never part of what the account owes (``amount_due``); the stub asks for both.
    deposit_due = MoneyField(**MONEY)
    estimated = models.BooleanField(default=False)
    first_bill = models.BooleanField(default=False)
    final_bill = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    # The journal charges it posted (none for a bill of no new charges).
    transaction = models.OneToOneField(
        "ledger.JournalTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bill",
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=15, choices=CancelReason, blank=True)
    cancel_note = models.CharField(max_length=300, blank=True)
    reversal = models.OneToOneField(
        "ledger.JournalTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancelled_bill",
    )
    rebill_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rebill"
    )

    class Meta:
        ordering = ["run", "account"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "account"],
                condition=~models.Q(status="cancelled"),
                name="billing_bill_once_per_run",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="posted") | models.Q(number__isnull=False),
                name="billing_posted_bill_numbered",
                violation_error_message="A posted bill has a number.",
            ),
        ]

    def __str__(self) -> str:
        return f"Bill {self.number or '(draft)'} for {self.account_id}"

    @property
    def stub_amount(self) -> Decimal:
        """What the stub asks for: the amount due (nothing when the account is in credit)
        and the security deposit to collect with the bill."""
        return max(self.amount_due.amount, Decimal("0.00")) + self.deposit_due.amount


class BillLine(models.Model):
    """One rate component's charge for one service, with its arithmetic and the reads used."""

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    service = models.ForeignKey("ledger.Service", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=30)
    label = models.CharField(max_length=150)
    amount = MoneyField(**MONEY)
    arithmetic = models.CharField(max_length=500, blank=True)
    usage = models.DecimalField(**QUANTITY, null=True, blank=True)
    estimated = models.BooleanField(default=False)
    journal_entry = models.ForeignKey(
        "ledger.JournalEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["bill", "position"]

    def __str__(self) -> str:
        return f"{self.code} {self.amount}"
