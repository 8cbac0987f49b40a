"""Customers, premises and customer utility accounts.

``Account.balance`` is owned by the ledger: only ``ledger.services`` changes it,
under a row lock, and simple-history records each change with who and why.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Now
from django.utils import timezone
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS

from .choices import AccountClass, AccountStatus, CustomerKind, FlagKind, NoteKind


class Customer(models.Model):
    """A person or organisation that holds one or more accounts."""

    kind = models.CharField(max_length=20, choices=CustomerKind, default=CustomerKind.PERSON)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    is_city = models.BooleanField(
        "city department",
        default=False,
        help_text="An account of the city itself: no late fees and no delinquency notices.",
    )
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="10-digit US number")
    alt_phone = models.CharField(max_length=20, blank=True)
    mailing_line1 = models.CharField("mailing address", max_length=200)
    mailing_line2 = models.CharField("mailing address line 2", max_length=200, blank=True)
    mailing_city = models.CharField("city", max_length=100)
    mailing_state = models.CharField("state", max_length=2)
    mailing_zip = models.CharField("ZIP", max_length=10)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name", "organisation_name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=CustomerKind.PERSON, last_name__gt="")
                    | models.Q(kind=CustomerKind.ORGANISATION, organisation_name__gt="")
                ),
                name="customer_has_name",
                violation_error_message="A person needs a last name; an organisation a name.",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.ORGANISATION:
            return self.organisation_name
        return f"{self.last_name}, {self.first_name}".strip(", ")

    @property
    def mailing_address(self) -> str:
        parts = [self.mailing_line1, self.mailing_line2]
        tail = f"{self.mailing_city}, {self.mailing_state} {self.mailing_zip}"
        return "\n".join([p for p in parts if p] + [tail])


class Premise(models.Model):
    """A service address: where water, sewer and the rest are delivered."""

    line1 = models.CharField("service address", max_length=200)
    line2 = models.CharField("unit", max_length=100, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    zip_code = models.CharField("ZIP", max_length=10)
    # The property owner, when the customer may be a tenant: gets a courtesy copy of
    # delinquency notices (collections) at their own mailing address.
    owner_name = models.CharField("property owner", max_length=200, blank=True)
    owner_line1 = models.CharField("owner's mailing address", max_length=200, blank=True)
    owner_line2 = models.CharField("owner's address line 2", max_length=200, blank=True)
    owner_city = models.CharField("owner's city", max_length=100, blank=True)
    owner_state = models.CharField("owner's state", max_length=2, blank=True)
    owner_zip = models.CharField("owner's ZIP", max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["line1", "line2"]

    def __str__(self) -> str:
        unit = f" {self.line2}" if self.line2 else ""
        return f"{self.line1}{unit}, {self.city}"

    @property
    def has_owner(self) -> bool:
        return bool(self.owner_name and self.owner_line1 and self.owner_city)

    @property
    def owner_address(self) -> str:
        parts = [self.owner_line1, self.owner_line2]
        tail = f"{self.owner_city}, {self.owner_state} {self.owner_zip}"
        return "\n".join([p for p in parts if p] + [tail])


# Search lists active accounts first, then pending, final, closed; an index on
# (this, number) lets a common search word stop after the first page of rows.
STATUS_RANK = Case(
    When(status=AccountStatus.ACTIVE, then=Value(0)),
    When(status=AccountStatus.PENDING, then=Value(1)),
    When(status=AccountStatus.FINAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


class Account(models.Model):
    """A customer's utility account at a premise; may be a master with sub-accounts."""

    number = models.CharField(max_length=12, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="accounts")
    account_class = models.CharField("class", max_length=20, choices=AccountClass)
    status = models.CharField(max_length=10, choices=AccountStatus, default=AccountStatus.PENDING)
    is_master = models.BooleanField(default=False)
    master = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_accounts",
        limit_choices_to={"is_master": True},
    )
    start_date = models.DateField(default=date.today)
    end_date = models.DateField(null=True, blank=True)
    balance = MoneyField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        default=0,
        default_currency=CURRENCY,
        editable=False,
    )
    # Where mail goes once service has stopped (a final account's bill, a refund
    # cheque); set by accounts.services.account_set_forwarding_address, with history.
    forwarding_line1 = models.CharField("forwarding address", max_length=200, blank=True)
    forwarding_line2 = models.CharField("forwarding address line 2", max_length=200, blank=True)
    forwarding_city = models.CharField("forwarding city", max_length=100, blank=True)
    forwarding_state = models.CharField("forwarding state", max_length=2, blank=True)
    forwarding_zip = models.CharField("forwarding ZIP", max_length=10, blank=True)
    # Name, addresses, phone digits and number, kept by accounts.services for
    # search-as-you-type through a trigram index.
    search_document = models.TextField(editable=False, default="")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(db_default=Now())
    # Every posting writes a history row; only the indexes that history is read by
    # (the account's chain by id, by date, by user) are kept: an index per foreign
    # key and two on the number cost six index inserts a posting (migration 0008).
    history = HistoricalRecords(
        excluded_fields=["search_document"],
        no_db_index=["customer", "premise", "master", "opened_by", "number"],
    )

    class Meta:
        ordering = ["number"]
        permissions = [
            ("close_account", "Can close an account"),
            ("manage_master_account", "Can set up master accounts and sub-accounts"),
            ("manage_account_flags", "Can set and clear account flags"),
            ("view_account_history", "Can see the change history of an account"),
        ]
        indexes = [
            GinIndex(
                name="account_search_trgm",
                fields=["search_document"],
                opclasses=["gin_trgm_ops"],
            ),
            models.Index(fields=["status"], name="account_status_idx"),
            # The search walks this index in rank order testing each row's document: with
            # the columns it reads included, the walk never visits the table (an
            # index-only scan, about twice as fast: accounts.selectors).
            models.Index(
                STATUS_RANK,
                "number",
                name="account_rank_number_idx",
                include=["id", "status", "search_document"],
            ),
            models.Index(
                fields=["number"],
                name="account_number_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(is_master=True) & models.Q(master__isnull=False)),
                name="account_master_not_sub",
                violation_error_message="A master account cannot itself be a sub-account.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="account_end_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.display_name}"

    @property
    def has_forwarding_address(self) -> bool:
        return bool(self.forwarding_line1)

    def forwarding_address(self) -> str:
        if not self.has_forwarding_address:
            return ""
        parts = [self.forwarding_line1, self.forwarding_line2]
        tail = f"{self.forwarding_city}, {self.forwarding_state} {self.forwarding_zip}"
        return "\n".join([p for p in parts if p] + [tail])


class AccountNote(models.Model):
    """A dated note on an account (footnotes are pinned at the top of the page)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(max_length=10, choices=NoteKind, default=NoteKind.NOTE)
    text = models.TextField(max_length=4000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account.number}: {self.text[:40]}"


class AccountFlag(models.Model):
    """A condition on an account (cash only, do not disconnect ...), set and cleared."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=30, choices=FlagKind)
    reason = models.CharField(max_length=500)
    expires_on = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    set_at = models.DateTimeField(default=timezone.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_reason = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-set_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=models.Q(cleared_at__isnull=True),
                name="account_flag_one_open_per_kind",
                violation_error_message="This flag is already set on the account.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account.number} {self.get_kind_display()}"

    def is_in_force(self, today: date) -> bool:
        return self.cleared_at is None and (self.expires_on is None or self.expires_on >= today)
