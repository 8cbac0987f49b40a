"""The office's to-do items: one row per piece of work waiting for a person.

A system item names its cause by ``kind`` and ``source_key`` (``adjustment_request:123``);
PostgreSQL keeps one item per cause. A follow-up (kind ``followup``) is typed by a person
and has no source key. Every change is a history row naming who and why.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .choices import ItemStatus, Priority


class WorkItem(models.Model):
    """One piece of work: what, about which account or document, why, for whom, by when."""

    kind = models.CharField(max_length=40)
    source_key = models.CharField(max_length=80, null=True, blank=True)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    why = models.CharField(max_length=500)
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.NORMAL)
    due_on = models.DateField(null=True, blank=True)
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_group = models.ForeignKey(
        Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=ItemStatus, default=ItemStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Which app's work closed it ("" when a person closed it here): only those reopen.
    closed_in = models.CharField(max_length=40, blank=True)
    close_note = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "priority", "pk"]
        permissions = [
            ("assign_workitem", "Can assign the office's work items"),
            ("add_followup", "Can add follow-ups on accounts"),
            ("view_workload", "Can run the workload report"),
        ]
        indexes = [
            models.Index(fields=["assigned_user", "status", "due_on"], name="work_item_mine_idx"),
            models.Index(fields=["assigned_group", "status", "due_on"], name="work_item_queue_idx"),
            models.Index(fields=["status", "kind"], name="work_item_open_kind_idx"),
            models.Index(fields=["account", "status"], name="work_item_account_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_key"],
                name="work_item_one_per_cause",
                violation_error_message="This cause already has its work item.",
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.CANCELLED) | Q(close_note__gt=""),
                name="work_item_cancel_has_reason",
                violation_error_message="Cancelling an item needs a reason.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ItemStatus.DONE, ItemStatus.CANCELLED])
                | Q(closed_at__isnull=False),
                name="work_item_closed_has_time",
                violation_error_message="A done item says when it was done.",
            ),
            models.CheckConstraint(
                condition=Q(assigned_user__isnull=True) | Q(assigned_group__isnull=True),
                name="work_item_one_assignee",
                violation_error_message="An item goes to a person or to a queue, not both.",
            ),
        ]

    def __str__(self) -> str:
        return f"Work item {self.pk}: {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.status in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)

    @property
    def source_pk(self) -> int | None:
        """The id in the source key (``refund:12`` -> 12)."""
        tail = (self.source_key or "").rpartition(":")[2]
        return int(tail) if tail.isdigit() else None
