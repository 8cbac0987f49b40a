"""The ledger: chart of GL accounts with funds, services (charge codes), business
days, and append-only double-entry journal transactions.

Design overview
---------------
* A :class:`JournalTransaction` has two or more :class:`JournalEntry` rows whose
  signed amounts (debit +, credit -) sum to zero. PostgreSQL enforces this with a
  deferred constraint trigger, refuses UPDATE and DELETE of both tables, refuses
  zero amounts, and refuses a transaction dated into a business day that is not
  open (see migration 0002). Corrections are reversing transactions.
* Entries on receivable and unapplied-credit GL accounts carry the customer
  account; ``Account.balance`` is their sum, kept by ``ledger.services`` in the
  same database transaction under a row lock. PostgreSQL keeps each account's
  open amount per service in :class:`AccountOpen` (a statement trigger, migration
  0010), and one deferred check per database transaction (migration 0011)
  proves, for what it touched, that transactions sum to zero and balances equal
  the kept open amounts: no posting and no check sums an account's history.
* A customer's security deposit is a liability held for the account, not
  something the customer owes: its lines are on the deposits-held GL account and
  name the account in ``deposit_account`` (never ``account``), so they stay out
  of ``Account.balance``. :class:`DepositHeld` caches what is held per account,
  with history, checked against those lines by a deferred trigger (migration 0009).
* Cash is pooled (one treasury pool, as most cities run it); the fund of each
  receivable and revenue line says which fund the money belongs to.
* Only ``ledger.services`` writes these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS

from .choices import DayStatus, GLKind, GLRole, TransactionKind


class Fund(models.Model):
    """A fund of the city's books (water fund, sewer fund, general fund ...)."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class GLAccount(models.Model):
    """An account of the general ledger chart, in one fund."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="gl_accounts")
    kind = models.CharField(max_length=10, choices=GLKind)
    role = models.CharField(max_length=20, choices=GLRole, default=GLRole.OTHER)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "GL account"
        constraints = [
            models.UniqueConstraint(
                fields=["role"],
                condition=models.Q(
                    role__in=[
                        GLRole.CASH,
                        GLRole.UNAPPLIED_CREDIT,
                        GLRole.OVER_SHORT,
                        GLRole.DEPOSITS_HELD,
                        GLRole.REFUNDS_PAYABLE,
                    ]
                ),
                name="gl_one_account_per_singular_role",
                violation_error_message="Only one GL account may hold this role.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Service(models.Model):
    """A charge code (water, sewer, stormwater ...) and its place in the payment order."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    payment_order = models.PositiveSmallIntegerField(
        unique=True, help_text="Payments pay services in this order (1 first)."
    )
    receivable_gl = models.ForeignKey(
        GLAccount,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"role": GLRole.RECEIVABLE},
    )
    revenue_gl = models.ForeignKey(
        GLAccount,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"role": GLRole.REVENUE},
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["payment_order"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment_order__gte=1),
                name="service_payment_order_positive",
                violation_error_message="Payment order starts at 1.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Holiday(models.Model):
    """A weekday the counter is closed; the closeout opens the next day that is not one."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class BusinessDay(models.Model):
    """A counter business day; postings carry the open day's date until closeout closes it."""

    date = models.DateField(unique=True)
    status = models.CharField(max_length=10, choices=DayStatus, default=DayStatus.OPEN)
    opened_at = models.DateTimeField(db_default=Now())
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-date"]
        permissions = [("close_business_day", "Can close the business day and open the next")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status=DayStatus.OPEN),
                name="business_day_one_open",
                violation_error_message="Only one business day can be open.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} ({self.status})"


class JournalTransaction(models.Model):
    """A journal entry of the ledger: two or more lines that sum to zero. Never edited."""

    business_date = models.DateField(db_index=True)
    kind = models.CharField(max_length=20, choices=TransactionKind)
    memo = models.CharField(max_length=500)
    source = models.CharField(max_length=100, blank=True, help_text="Source document")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # Set by a trigger to the inserting database transaction; entries may only be
    # added by that same database transaction (no appending to an old journal).
    posted_txid = models.BigIntegerField(null=True, editable=False, db_index=True)

    class Meta:
        ordering = ["-id"]
        permissions = [
            ("post_transaction", "Can post ledger transactions"),
            ("refund_credit", "Can post an approved refund of a customer's credit"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.business_date}"


# The references of journal lines and open amounts are checked by the ledger's own
# statement trigger, set-based, once per INSERT (migration 0018), not by foreign-key
# constraints: PostgreSQL checks a foreign key with one query per row and key, which
# was about a third of a bill run's COMMIT. ``db_constraint=False`` says so; the
# trigger locks the referenced rows as a foreign key would, and deleting a
# referenced row is refused by trigger.
class JournalEntry(models.Model):
    """One line of a journal transaction: GL account and signed amount (debit +, credit -)."""

    transaction = models.ForeignKey(
        JournalTransaction, on_delete=models.PROTECT, related_name="entries", db_constraint=False
    )
    gl_account = models.ForeignKey(
        GLAccount, on_delete=models.PROTECT, related_name="entries", db_constraint=False
    )
    amount = MoneyField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default_currency=CURRENCY
    )
    # Indexed by ``entry_account_txn_idx`` (account, transaction), whose prefix
    # serves every lookup by account: a second index on it alone cost one more
    # index insert per line.
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    # Deposits-held lines name the account whose deposit they hold here, not in
    # ``account``: a deposit is not part of what the customer owes. Indexed only
    # where set (``entry_deposit_account_idx``): almost every line has none.
    deposit_account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deposit_entries",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["account", "transaction"], name="entry_account_txn_idx"),
            models.Index(
                fields=["deposit_account"],
                condition=models.Q(deposit_account__isnull=False),
                name="entry_deposit_account_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0),
                name="entry_amount_not_zero",
                violation_error_message="A ledger line cannot be zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(service__isnull=True) | models.Q(account__isnull=False),
                name="entry_service_needs_account",
                violation_error_message="A service line must name the customer account.",
            ),
            models.CheckConstraint(
                condition=models.Q(account__isnull=True) | models.Q(deposit_account__isnull=True),
                name="entry_owed_or_deposit",
                violation_error_message="A line is owed by an account or held for it, not both.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gl_account.code} {self.amount}"


class DepositHeld(models.Model):
    """The security deposit the city holds for one customer account (a liability).

    Kept by ``ledger.deposits`` in the same database transaction as the deposit
    lines, under the account's row lock, with a history row per change naming
    the acting user and the transaction; never negative.
    """

    account = models.OneToOneField(
        "accounts.Account", primary_key=True, on_delete=models.PROTECT, related_name="deposit"
    )
    amount = MoneyField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default_currency=CURRENCY, default=0
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "deposit held"
        verbose_name_plural = "deposits held"
        permissions = [("manage_deposits", "Can apply or refund a customer's deposit")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="deposit_held_not_negative",
                violation_error_message="More cannot be applied or refunded than is held.",
            )
        ]

    def __str__(self) -> str:
        return f"Deposit held for account {self.account_id}: {self.amount}"


class AccountOpen(models.Model):
    """What is open on one customer account per service (``service`` NULL: unapplied credit).

    Kept by PostgreSQL itself: a statement-level trigger on journal entries adds
    each statement's customer lines here, and nothing else may write the table
    (migration 0010). So a posting reads an account's open amounts, and the
    commit-time balance check sums them, without summing the account's history.
    """

    # Rows come only from journal lines, whose references the ledger's trigger checks
    # (see ``JournalEntry``), so no foreign-key constraint checks them again.
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="open_amounts",
        db_constraint=False,
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    amount = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)

    class Meta:
        verbose_name = "open amount"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "service"],
                name="account_open_one_row_per_service",
                nulls_distinct=False,
                violation_error_message="One open amount per account and service.",
            )
        ]

    def __str__(self) -> str:
        return f"Account {self.account_id} service {self.service_id}: {self.amount}"


class GLExport(models.Model):
    """The GL interface file of one closed business day, handed to the city's general ledger.

    Made once per day (``ledger.gl_export``); the file is a stored ``common.Document``
    so a second export of the day gives back the same bytes.
    """

    business_day = models.OneToOneField(
        BusinessDay, on_delete=models.PROTECT, related_name="gl_export"
    )
    document = models.OneToOneField("common.Document", on_delete=models.PROTECT, related_name="+")
    line_count = models.PositiveIntegerField()
    control_total = models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-business_day__date"]
        verbose_name = "GL export"
        permissions = [("export_gl", "Can export a closed day's GL interface file")]

    def __str__(self) -> str:
        return f"GL export {self.business_day.date}"
