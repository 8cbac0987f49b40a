"""Infrastructure tables shared by every app: number sequences and idempotency keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NumberSequence(models.Model):
    """A gap-free counter (account numbers, receipts per drawer, batches, bills).

    Numbers are taken under ``SELECT ... FOR UPDATE`` in the same transaction as
    the record that uses them, so a rollback gives the number back: no gaps.
    """

    name = models.CharField(max_length=100, primary_key=True)
    next_value = models.BigIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_value__gte=1),
                name="number_sequence_positive",
                violation_error_message="A number sequence starts at 1.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_value})"


class IdempotencyKey(models.Model):
    """A one-time form token, claimed when the form's action commits.

    The primary key makes PostgreSQL serialise a replay behind the first
    submission: the second insert waits, then fails, and the caller returns the
    first result instead of posting again.
    """

    key = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    purpose = models.CharField(max_length=100)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.purpose} {self.key}"


class RolesVersion(models.Model):
    """One row whose ``value`` goes up with every change to roles or permissions.

    Permissions and role names are cached in each session under the value they
    were read at (``billing_site.common.roles``); signals bump it in the same
    transaction as the change, so every session reads them afresh on its next
    request.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="roles_version_single_row",
                violation_error_message="There is one roles version row.",
            )
        ]

    def __str__(self) -> str:
        return f"roles version {self.value}"
