"""A field service order: what to do at a premise, who does it, and what came of it.

Every change is in simple-history with the acting user and a reason; the status only
moves open -> assigned -> in progress -> completed, or to cancelled (with who, when,
why) before completion. Photos are stored under MEDIA_ROOT (outside the web root) and
served only through a permission-checked view."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .choices import OrderKind, OrderStatus, Origin, Priority, ResultCode

READING = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True}
PERCENT = {"max_digits": 6, "decimal_places": 2, "null": True, "blank": True}


class ServiceOrder(models.Model):
    """One order for a field technician at an account's premise."""

    number = models.PositiveIntegerField(unique=True)
    kind = models.CharField(max_length=15, choices=OrderKind)
    status = models.CharField(max_length=12, choices=OrderStatus, default=OrderStatus.OPEN)
    priority = models.CharField(max_length=12, choices=Priority, default=Priority.NORMAL)
    origin = models.CharField(max_length=15, choices=Origin, default=Origin.OFFICE)
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    premise = models.ForeignKey("accounts.Premise", on_delete=models.PROTECT, related_name="+")
    meter = models.ForeignKey(
        "billing.Meter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    route = models.ForeignKey(
        "billing.Route", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    route_sequence = models.PositiveIntegerField(null=True, blank=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="service_orders",
    )  # fmt: skip
    requested_on = models.DateField()
    due_on = models.DateField()
    notes = models.TextField(blank=True)
    read_exception = models.ForeignKey(
        "billing.ReadException", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    # stop service: where the final bill goes
    forwarding_line1 = models.CharField(max_length=200, blank=True)
    forwarding_city = models.CharField(max_length=100, blank=True)
    forwarding_state = models.CharField(max_length=2, blank=True)
    forwarding_zip = models.CharField(max_length=10, blank=True)
    # transfer: the account that moves in on the same date (``account`` moves out)
    incoming_account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # meter change: the meter set in place of ``meter``
    new_meter = models.ForeignKey(
        "billing.Meter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # completion
    result_code = models.CharField(max_length=10, choices=ResultCode, blank=True)
    result_notes = models.TextField(blank=True)
    reading = models.DecimalField(**READING)
    new_reading = models.DecimalField(**READING)
    accuracy_low = models.DecimalField(**PERCENT)
    accuracy_medium = models.DecimalField(**PERCENT)
    accuracy_high = models.DecimalField(**PERCENT)
    outcome = models.CharField(max_length=300, blank=True, help_text="What completing it did")
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("dispatch_serviceorder", "Can assign service orders to technicians"),
            ("work_serviceorder", "Can work and complete own service orders"),
            ("cancel_serviceorder", "Can cancel service orders"),
            ("cancel_collections_order", "Can cancel a disconnect ordered by collections"),
            ("view_order_photo", "Can see service order photos"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="so_status_due"),
            models.Index(fields=["technician", "status"], name="so_technician_status"),
            models.Index(fields=["account", "status"], name="so_account_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
                name="so_cancel_has_reason",
                violation_error_message="A cancelled order says why.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="so_completed_has_time",
                violation_error_message="A completed order says when.",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("requested_on")),
                name="so_due_not_before_requested",
                violation_error_message="The due date cannot be before the requested date.",
            ),
        ]

    def __str__(self) -> str:
        return f"Service order {self.number}"

    @property
    def is_active(self) -> bool:
        return self.status in ("open", "assigned", "in_progress")


def photo_path(instance: OrderPhoto, filename: str) -> str:
    # The name is ours, never the uploader's: nothing typed reaches the file system.
    return f"service_orders/{instance.order_id}/{instance.sha256}.{instance.extension}"


class OrderPhoto(models.Model):
    """A photo a technician took at the premise (verified as an image on upload)."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(upload_to=photo_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    extension = models.CharField(max_length=4)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of order {self.order_id}"
