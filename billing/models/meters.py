"""Meters, where they are installed, their reads (append-only in PostgreSQL: a
correction is a new read naming the one it corrects and why), read imports and the
exceptions queue of reads that failed a check."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ..choices import (
    ExceptionRule,
    ExceptionStatus,
    ImportFormat,
    ImportStatus,
    MeterUnits,
    ReadKind,
)

READING = {"max_digits": 14, "decimal_places": 2}


class Meter(models.Model):
    """A meter: what it measures in, its multiplier and how many dials it has (rollover)."""

    number = models.CharField(max_length=30, unique=True)
    make = models.CharField(max_length=50, blank=True)
    size = models.CharField(max_length=10, help_text='Like 5/8" or 2"')
    units = models.CharField(max_length=5, choices=MeterUnits, default=MeterUnits.GALLONS)
    multiplier = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(1))
    dials = models.PositiveSmallIntegerField(default=6)
    service = models.ForeignKey("ledger.Service", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(multiplier__gt=0),
                name="billing_meter_multiplier_positive",
                violation_error_message="The multiplier must be more than zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(dials__gte=1, dials__lte=12),
                name="billing_meter_dials_range",
                violation_error_message="A meter has 1 to 12 dials.",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class MeterInstall(models.Model):
    """A meter set at a premise from ``installed_on`` until ``removed_on``."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="installs")
    premise = models.ForeignKey("accounts.Premise", on_delete=models.PROTECT, related_name="+")
    installed_on = models.DateField()
    removed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meter", "-installed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter"],
                condition=models.Q(removed_on__isnull=True),
                name="billing_meter_installed_once",
                violation_error_message="This meter is already installed somewhere.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.meter} at {self.premise}"


class MeterRead(models.Model):
    """A reading of a meter on a date. Never changed: PostgreSQL refuses UPDATE and DELETE."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="reads")
    premise = models.ForeignKey("accounts.Premise", on_delete=models.PROTECT, related_name="+")
    read_date = models.DateField()
    reading = models.DecimalField(**READING)
    kind = models.CharField(max_length=10, choices=ReadKind, default=ReadKind.ACTUAL)
    read_code = models.CharField(max_length=10, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="Reader, file and line")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_default=models.functions.Now())
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    reason = models.CharField(max_length=300, blank=True)
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["meter", "read_date", "pk"]
        indexes = [models.Index(fields=["meter", "read_date"], name="billing_read_meter_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reading__gte=0),
                name="billing_read_not_negative",
                violation_error_message="A reading cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True) | ~models.Q(reason=""),
                name="billing_read_correction_has_reason",
                violation_error_message="A correction needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.read_date:%Y-%m-%d} {self.reading}"


class ReadImport(models.Model):
    """A read file taken in (CSV or handheld route file); the same file is taken once."""

    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=5, choices=ImportFormat)
    status = models.CharField(max_length=10, choices=ImportStatus, default=ImportStatus.RUNNING)
    rows = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    exceptions = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        ordering = ["-pk"]
        permissions = [("import_reads", "Can import read files")]

    def __str__(self) -> str:
        return f"Read import {self.pk} ({self.file_name})"


class ReadImportRow(models.Model):
    """One parsed line of a read import, waiting for its chunk to check and store it."""

    read_import = models.ForeignKey(ReadImport, on_delete=models.CASCADE, related_name="lines")
    line = models.PositiveIntegerField()
    meter_number = models.CharField(max_length=30)
    account_number = models.CharField(max_length=12, blank=True)
    read_date = models.DateField()
    reading = models.DecimalField(**READING)
    read_code = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["read_import", "line"]
        constraints = [
            models.UniqueConstraint(fields=["read_import", "line"], name="billing_import_line_once")
        ]

    def __str__(self) -> str:
        return f"line {self.line}: {self.meter_number} {self.read_date:%Y-%m-%d}"


class ReadException(models.Model):
    """A read that failed a check: a coordinator accepts it, corrects it, or asks for a re-read."""

    rule = models.CharField(max_length=15, choices=ExceptionRule)
    message = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=ExceptionStatus, default=ExceptionStatus.OPEN)
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, null=True, blank=True)
    meter_number = models.CharField(max_length=30)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    account_number = models.CharField(max_length=12, blank=True)
    premise = models.ForeignKey(
        "accounts.Premise", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    read_date = models.DateField()
    reading = models.DecimalField(**READING)
    read_code = models.CharField(max_length=10, blank=True)
    source = models.CharField(max_length=100, blank=True)
    read_import = models.ForeignKey(ReadImport, on_delete=models.PROTECT, null=True, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=models.functions.Now())
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_reason = models.CharField(max_length=300, blank=True)
    read = models.OneToOneField(
        MeterRead, on_delete=models.PROTECT, null=True, blank=True, related_name="exception"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "pk"]
        permissions = [("resolve_readexception", "Can accept or correct read exceptions")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.meter_number} {self.read_date:%Y-%m-%d}"
