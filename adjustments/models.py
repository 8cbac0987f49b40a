"""Adjustment requests and their approval (maker-checker): credits and debits to a
customer account, balance transfers, master-account consolidations and GL
adjustments. Nothing here writes money; approval posts through ``ledger.services``.

One request model serves all four kinds so there is one approval queue, one
set of approval rules and one register. What a request holds per kind:

* adjustment: ``account``, ``direction``, ``reason``; one line per service.
* transfer: ``account`` (from), ``to_account``, ``transfer_of`` and ``amount``.
* consolidation: ``account`` is the master; one line per sub-account holding the
  balance it had when requested (approval refuses if any has changed since).
* GL adjustment: no customer account; one line per GL account, debit +, credit -.

``amount`` is what the approver's limit is compared with: the adjustment total,
the amount moved, or the journal's total debits.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from djmoney.models.fields import MoneyField
from simple_history.models import HistoricalRecords

from billing_site.common.money import CURRENCY, DECIMAL_PLACES, MAX_DIGITS
from ledger.choices import CUSTOMER_ROLES

from .choices import Direction, RequestKind, RequestStatus, TransferOf

NON_CUSTOMER_GL = ~models.Q(role__in=CUSTOMER_ROLES)


class AdjustmentReason(models.Model):
    """A reason code an adjustment must give, and the GL account it is offset against."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    offset_gl = models.ForeignKey(
        "ledger.GLAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=NON_CUSTOMER_GL,
        verbose_name="offset GL account",
        help_text="Leave blank to offset against the revenue account of each service adjusted.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive reasons cannot be chosen for new requests."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApprovalLimit(models.Model):
    """The largest request members of a role may approve; blank means no upper limit."""

    role = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="approval_limit")
    max_amount = models.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
        help_text="Leave blank for no upper limit.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["role__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_amount__isnull=True) | models.Q(max_amount__gt=0),
                name="approval_limit_positive",
                violation_error_message="An approval limit must be more than zero.",
            )
        ]

    def __str__(self) -> str:
        limit = "no limit" if self.max_amount is None else f"up to ${self.max_amount:,.2f}"
        return f"{self.role.name}: {limit}"


def attachment_path(instance: Any, filename: str) -> str:
    """Never the uploader's file name on disk: a random name with the checked suffix."""
    suffix = Path(filename).suffix.lower()[:6]
    return f"adjustments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AdjustmentRequest(models.Model):
    """A request to move money that waits for a second person's approval."""

    number = models.PositiveIntegerField(unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=RequestKind)
    status = models.CharField(max_length=20, choices=RequestStatus, default=RequestStatus.PENDING)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustment_requests",
    )
    to_account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    direction = models.CharField(max_length=10, choices=Direction, blank=True)
    transfer_of = models.CharField(max_length=10, choices=TransferOf, blank=True)
    reason = models.ForeignKey(
        AdjustmentReason, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    memo = models.CharField(max_length=500)
    amount = MoneyField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default_currency=CURRENCY, default=0
    )
    attachment = models.FileField(upload_to=attachment_path, blank=True, max_length=200)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=50, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
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
        related_name="adjustment_request",
    )
    reversal = models.OneToOneField(
        "ledger.JournalTransaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_adjustment_request",
    )
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("approve_request", "Can approve or reject adjustment requests"),
            ("reverse_request", "Can reverse a posted adjustment"),
            ("request_consolidation", "Can request master-account consolidations"),
            ("draft_gl_adjustment", "Can draft GL adjustments"),
            ("view_reports", "Can run adjustment reports"),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="adj_request_queue_idx"),
            models.Index(fields=["requested_by", "-number"], name="adj_request_mine_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="adj_request_not_self_decided",
                violation_error_message="Nobody may decide their own request.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RequestStatus.REJECTED) | models.Q(decision_note__gt=""),
                name="adj_request_rejection_has_reason",
                violation_error_message="A rejection must say why.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[RequestStatus.POSTED, RequestStatus.REVERSED])
                | models.Q(posting__isnull=False, decided_by__isnull=False),
                name="adj_request_posted_has_posting",
                violation_error_message="A posted request names its posting and approver.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RequestStatus.REVERSED)
                | models.Q(reversal__isnull=False, reversal_reason__gt=""),
                name="adj_request_reversed_has_reversal",
                violation_error_message="A reversed request names its reversal and why.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=RequestKind.TRANSFER)
                | (models.Q(to_account__isnull=False) & ~models.Q(to_account=models.F("account"))),
                name="adj_request_transfer_two_accounts",
                violation_error_message="A transfer moves money between two different accounts.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=RequestKind.GL_ADJUSTMENT, account__isnull=True)
                | (~models.Q(kind=RequestKind.GL_ADJUSTMENT) & models.Q(account__isnull=False)),
                name="adj_request_account_by_kind",
                violation_error_message="GL adjustments name no customer account; others do.",
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.DRAFT, RequestStatus.PENDING)


class AdjustmentLine(models.Model):
    """One line of a request: a service, a sub-account or a GL account, with its amount."""

    request = models.ForeignKey(AdjustmentRequest, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey("ledger.Service", on_delete=models.PROTECT, null=True, blank=True)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    gl_account = models.ForeignKey(
        "ledger.GLAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=NON_CUSTOMER_GL,
        verbose_name="GL account",
    )
    amount = MoneyField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default_currency=CURRENCY
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0),
                name="adj_line_amount_not_zero",
                violation_error_message="A line cannot be zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} line {self.amount}"


from .refund_models import Refund, RefundExport  # noqa: E402  (one app, one models module)

__all__ = [
    "AdjustmentLine",
    "AdjustmentReason",
    "AdjustmentRequest",
    "ApprovalLimit",
    "Refund",
    "RefundExport",
]
