"""Infrastructure tables shared by every app: number sequences, idempotency keys,
long tasks with their chunks and errors, stored documents, and the record of role changes."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    digest = models.CharField(max_length=64, blank=True, default="")
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


class LongTaskStatus(models.TextChoices):
    """Where a long task stands; ``STUCK`` is stored once automatic resumes gave up."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    STUCK = "stuck", "Stuck"


class LongTask(models.Model):
    """One run of long work (an import, a bill run, a batch of PDFs) done in committed chunks.

    ``total`` items are split into chunks of ``chunk_size``; a chunk's work commits
    together with its :class:`LongTaskChunk` row, so a chunk is never done twice. The
    worker running it holds a lease (``lease_owner`` until ``lease_expires_at``),
    renewed with every chunk; a task whose lease ran out while RUNNING lost its
    worker and is resumed by the next one (see ``billing_site.common.tasks``).
    """

    kind = models.CharField(max_length=100)
    subject_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT
    )
    subject_id = models.CharField(max_length=64, blank=True)
    label = models.CharField(max_length=200, help_text="What it is about, in words")
    view_permission = models.CharField(max_length=100, help_text="Who may watch its progress")
    status = models.CharField(max_length=10, choices=LongTaskStatus, default=LongTaskStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0, help_text="Items that could not be done")
    chunk_size = models.PositiveIntegerField(default=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose permissions the chunks run with: the starter, or whoever retried",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    requeued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "kind"], name="long_task_subject"),
            models.Index(
                fields=["lease_expires_at"],
                name="long_task_running",
                condition=models.Q(status=LongTaskStatus.RUNNING),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")),
                name="long_task_done_within_total",
                violation_error_message="A task cannot do more items than it has.",
            ),
            models.CheckConstraint(
                condition=models.Q(chunk_size__gte=1),
                name="long_task_chunk_size_positive",
                violation_error_message="A chunk holds at least one item.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.status})"

    @property
    def chunk_count(self) -> int:
        return -(-self.total // self.chunk_size)

    @property
    def lease_expired(self) -> bool:
        expires = self.lease_expires_at
        return self.status == LongTaskStatus.RUNNING and (
            expires is None or expires < timezone.now()
        )

    @property
    def shown_status(self) -> str:
        """The status a person should see: a RUNNING task without a live worker is stuck."""
        return LongTaskStatus.STUCK if self.lease_expired else self.status

    @property
    def is_active(self) -> bool:
        """Queued or running (also when stuck waiting to be resumed): the page keeps polling."""
        return self.status in (LongTaskStatus.QUEUED, LongTaskStatus.RUNNING)

    @property
    def waiting_for_worker(self) -> bool:
        """Queued for more than 15 seconds and never started: no worker seems to run."""
        return (
            self.status == LongTaskStatus.QUEUED
            and self.started_at is None
            and self.created_at < timezone.now() - timedelta(seconds=15)
        )


class LongTaskChunk(models.Model):
    """A chunk of a long task that is done: written in the chunk's own transaction."""

    task = models.ForeignKey(LongTask, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    done = models.PositiveIntegerField()
    worker = models.CharField(max_length=100)
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "number"],
                name="long_task_chunk_once",
                violation_error_message="This chunk of the task is already done.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} chunk {self.number}"


class LongTaskItemError(models.Model):
    """One item a chunk could not do, and why (kept; the rest of the chunk committed)."""

    task = models.ForeignKey(LongTask, on_delete=models.CASCADE, related_name="item_errors")
    chunk = models.PositiveIntegerField()
    item = models.CharField(max_length=100)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["chunk", "id"]

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


class Document(models.Model):
    """A generated document (a receipt, a bill, a notice), stored once with its SHA-256.

    The bytes live in the default storage under MEDIA_ROOT (``documents/ab/<sha256>.pdf``);
    a reprint reads them back, checks the checksum and counts a copy. One document
    per (kind, subject, variant): ``variant`` tells apart, for example, the letter
    and the 80 mm print of one receipt.
    """

    kind = models.CharField(max_length=100)
    subject_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=64)
    variant = models.CharField(max_length=50, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()  # a combined PDF of a cycle may pass 2 GiB
    file = models.FileField(upload_to="documents/", max_length=200)
    content_type = models.CharField(max_length=100, default="application/pdf")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    copies_printed = models.PositiveIntegerField(default=0)
    last_copy_at = models.DateTimeField(null=True, blank=True)
    last_copy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "variant"],
                name="document_once_per_subject",
                violation_error_message="This document is already stored.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id} {self.variant}".strip()


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
