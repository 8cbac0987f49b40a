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


class RoleChange(models.Model):
    """One grant or revocation of a role: who gave whom (a user or a group) what, and when.

    Written by the signals in ``billing_site.common.user_roles`` whenever a user's
    groups, permissions, superuser or staff flag, or a group's permissions change,
    whatever the path (admin, shell, migration). Names are copied so the record
    reads the same after a user or group is renamed or deleted.
    """

    class Kind(models.TextChoices):
        GROUP = "group", "Role (group)"
        PERMISSION = "permission", "Permission"
        SUPERUSER = "superuser", "Superuser"
        STAFF = "staff", "Staff (admin site)"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    group = models.ForeignKey("auth.Group", null=True, on_delete=models.SET_NULL, related_name="+")
    target_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    granted = models.BooleanField()
    what = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "revoked"
        by = self.actor_name or "the system"
        return f"{by} {verb} {self.what} ({self.get_kind_display()}) to {self.target_name}"
