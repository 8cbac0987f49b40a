"""Refunds: money the city owes a customer back (a credit balance, later a deposit),
requested by a coordinator, approved by a supervisor, posted to refunds payable and
handed to accounts payable in an export file that cuts the cheques.

Imported by ``adjustments.models``; the rules are in ``adjustments.refunds``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS

from .choices import RefundPayee, RefundSource, RefundStatus


class RefundExport(models.Model):
    """One accounts-payable file: the approved refunds it handed over, stored once."""

    number = models.PositiveIntegerField(unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    refund_count = models.PositiveIntegerField()
    total = MoneyField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default_currency=CURRENCY
    )
    document = models.OneToOneField(
        "common.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        permissions = [("export_refunds", "Can export approved refunds to accounts payable")]

    def __str__(self) -> str:
        return f"Refund export {self.number}"

    @property
    def file_name(self) -> str:
        return f"ap-refunds-{self.number:05d}.csv"


class Refund(models.Model):
    """A request to pay an account's credit (or deposit) back, waiting for a second person."""

    number = models.PositiveIntegerField(unique=True, editable=False)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="refunds"
    )
    source = models.CharField(max_length=10, choices=RefundSource, default=RefundSource.CREDIT)
    amount = MoneyField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default_currency=CURRENCY
    )
    payee = models.CharField(max_length=10, choices=RefundPayee, default=RefundPayee.CUSTOMER)
    payee_name = models.CharField(max_length=200)
    payee_line1 = models.CharField("payee address", max_length=200)
    payee_line2 = models.CharField("payee address line 2", max_length=200, blank=True)
    payee_city = models.CharField("payee city", max_length=100)
    payee_state = models.CharField("payee state", max_length=2)
    payee_zip = models.CharField("payee ZIP", max_length=10)
    memo = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=RefundStatus, default=RefundStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    posting = models.OneToOneField(
        "ledger.JournalTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refund",
    )
    export = models.ForeignKey(
        RefundExport, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("request_refund", "Can request a refund of a customer's credit"),
            ("approve_refund", "Can approve or reject refunds"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="refund_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="refund_not_self_decided",
                violation_error_message="Nobody may decide their own refund request.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RefundStatus.REJECTED) | models.Q(decision_note__gt=""),
                name="refund_rejection_has_reason",
                violation_error_message="A rejection must say why.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RefundStatus.APPROVED)
                | models.Q(posting__isnull=False, decided_by__isnull=False),
                name="refund_approved_has_posting",
                violation_error_message="An approved refund names its posting and approver.",
            ),
            models.CheckConstraint(
                condition=models.Q(export__isnull=True) | models.Q(status=RefundStatus.APPROVED),
                name="refund_exported_only_approved",
                violation_error_message="Only approved refunds go to accounts payable.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="refund_amount_positive",
                violation_error_message="A refund is for more than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund R-{self.number}"

    @property
    def label(self) -> str:
        return f"R-{self.number}"

    def payee_address(self) -> str:
        parts = [self.payee_line1, self.payee_line2]
        tail = f"{self.payee_city}, {self.payee_state} {self.payee_zip}"
        return "\n".join([p for p in parts if p] + [tail])
