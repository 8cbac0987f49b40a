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
from simple_history.models import HistoricalRecords

from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS

from .choices import (
    BatchKind,
    BatchStatus,
    CardBrand,
    DrawerStatus,
    ItemStatus,
    PaymentStatus,
    ReturnKind,
    TenderKind,
)


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
    # Opening, closing and a supervisor's reopening for a recount, each with who and why.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-business_date", "id"]
        permissions = [("use_drawer", "Can open, use and close an own cash drawer")]
        constraints = [
            models.UniqueConstraint(
                fields=["clerk"],
                condition=models.Q(status=DrawerStatus.OPEN),
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
    # A clerk asks for a void; a supervisor (a second person) approves it or declines.
    void_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_requested_at = models.DateTimeField(null=True, blank=True)
    void_request_reason = models.CharField(max_length=500, blank=True)
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
    """What one payment paid: an account (allocated by the ledger), an account's security
    deposit (``is_deposit``: held, not owed), or a misc revenue item."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    misc_item = models.ForeignKey(
        MiscRevenueItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    amount = _money()
    # A security deposit taken for the account: held as a liability (deposits held), never
    # applied to what the account owes.
    is_deposit = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_deposit=False) | models.Q(account__isnull=False),
                name="payment_line_deposit_names_account",
                violation_error_message="A deposit line names the account it is held for.",
            ),
            models.CheckConstraint(
                condition=(models.Q(account__isnull=False) & models.Q(misc_item__isnull=True))
                | (models.Q(account__isnull=True) & models.Q(misc_item__isnull=False)),
                name="payment_line_account_or_item",
                violation_error_message="A line pays either an account or a revenue item.",
            ),
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


class RemittanceBatch(models.Model):
    """Payments that came without a drawer: a keyed mail batch or an imported lockbox file.

    A mail batch posts all-or-nothing once its stubs match the control count and
    total. A lockbox file is posted row by row by a task; rows that cannot post as
    they stand wait as exceptions for a person.
    """

    number = models.PositiveIntegerField(unique=True)
    kind = models.CharField(max_length=10, choices=BatchKind)
    status = models.CharField(max_length=10, choices=BatchStatus, default=BatchStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    control_count = models.PositiveIntegerField(default=0)
    control_total = _money(default=0)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    business_date = models.DateField(null=True, blank=True, db_index=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, null=True, blank=True, unique=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0, help_text="Rows already imported")
    last_error = models.CharField(max_length=500, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        permissions = [("manage_batches", "Can key mail batches and import lockbox files")]

    def __str__(self) -> str:
        return f"Batch {self.number}"


class RemittanceItem(models.Model):
    """One stub of a batch: account, amount and check number, posted as its own payment."""

    batch = models.ForeignKey(RemittanceBatch, on_delete=models.PROTECT, related_name="items")
    line_number = models.PositiveIntegerField()
    account_text = models.CharField(max_length=40, help_text="The account as keyed or sent")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = _money()
    check_number = models.CharField(max_length=30, blank=True)
    remitter = models.CharField(max_length=200, blank=True)
    row_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=ItemStatus, default=ItemStatus.PENDING)
    problem = models.CharField(max_length=300, blank=True)
    transaction = models.OneToOneField(
        "ledger.JournalTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    business_date = models.DateField(null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "line_number"],
                name="remittance_item_line_unique",
                violation_error_message="This line number is already used in the batch.",
            )
        ]
        indexes = [models.Index(fields=["batch", "status"], name="remit_item_batch_status")]

    def __str__(self) -> str:
        return f"Batch {self.batch_id} line {self.line_number}"

    @property
    def label(self) -> str:
        return f"batch {self.batch.number} line {self.line_number}"


class ReturnFeeSchedule(models.Model):
    """What a returned payment costs, and when returns make an account cash only.

    Fee = the greater of the tier fee (first tier whose "up to" covers the amount)
    and ``percent`` of the amount, then raised to ``minimum`` and capped at
    ``maximum``. Exactly one schedule is active; an administrator keeps them.
    """

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=False)
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Percent of the payment; the fee is the greater of this and the tier fee.",
    )
    minimum = _money(null=True, blank=True)
    maximum = _money(null=True, blank=True)
    cash_only_after = models.PositiveSmallIntegerField(
        default=2, help_text="Returns within the window that make an account cash only (0: never)."
    )
    window_days = models.PositiveIntegerField(default=365)
    cash_only_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=365,
        help_text="How long cash only lasts; empty: until cleared.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="return_fee_schedule_one_active",
                violation_error_message="Only one returned-payment fee schedule can be active.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReturnFeeTier(models.Model):
    """A flat fee for payments up to and including ``up_to`` (empty: any larger amount)."""

    schedule = models.ForeignKey(ReturnFeeSchedule, on_delete=models.CASCADE, related_name="tiers")
    up_to = _money(null=True, blank=True)
    fee = _money()

    class Meta:
        ordering = ["schedule", models.F("up_to").asc(nulls_last=True)]

    def __str__(self) -> str:
        return f"up to {self.up_to or 'any'}: {self.fee}"


class ReturnedPayment(models.Model):
    """A payment the bank or card processor took back after its day closed."""

    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="returned"
    )
    item = models.OneToOneField(
        RemittanceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="returned"
    )
    kind = models.CharField(max_length=20, choices=ReturnKind)
    reason = models.CharField(max_length=500)
    business_date = models.DateField(db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_default=Now())
    amount = _money()
    reversal = models.OneToOneField(
        "ledger.JournalTransaction", on_delete=models.PROTECT, related_name="+"
    )
    fee = _money(default=0)
    fee_account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fee_transaction = models.OneToOneField(
        "ledger.JournalTransaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    made_cash_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["-business_date", "-id"]
        permissions = [("record_return", "Can record returned checks and chargebacks")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(payment__isnull=False) & models.Q(item__isnull=True))
                | (models.Q(payment__isnull=True) & models.Q(item__isnull=False)),
                name="returned_payment_receipt_or_item",
                violation_error_message="A return is of a receipt or of a batch item.",
            )
        ]

    def __str__(self) -> str:
        return f"Return of {self.payment or self.item}"
