from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import WriteOffStatus

MONEY = {"max_digits": MAX_DIGITS, "decimal_places": DECIMAL_PLACES}


class WriteOff(models.Model):
    """An uncollectible balance moved to bad debt by a supervisor: up to the limit it posts at
    once; above it a second supervisor approves (maker-checker). ``recovered`` is what was
    collected later (each recovery reverses that much of the write-off, then pays it)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="write_offs"
    )
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=WriteOffStatus, default=WriteOffStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    transaction_id = models.BigIntegerField(null=True, blank=True)
    recovered = models.DecimalField(**MONEY, default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        permissions = [("approve_writeoff", "Can approve a write-off above the limit")]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="writeoff_not_own",
                violation_error_message="Nobody approves their own write-off.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(recovered__gte=0) & Q(recovered__lte=F("amount")),
                name="writeoff_amounts_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"Write-off {self.pk}"
