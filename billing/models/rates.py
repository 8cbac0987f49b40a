"""Rate schedules: a schedule per service, effective-dated versions, and the
components of each version. PostgreSQL refuses two versions of one schedule whose
dates overlap (an exclusion constraint), so a bill date never has two prices."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from simple_history.models import HistoricalRecords

from ..choices import BlockMode, ComponentKind, FixedBasis, UsageBasis

PRICE = {"max_digits": 12, "decimal_places": 6}
QUANTITY = {"max_digits": 14, "decimal_places": 4}


class DateRangeInclusive(models.Func):
    """``daterange(from, to, '[]')``: an open ``to`` (NULL) runs on for ever."""

    function = "DATERANGE"
    template = "%(function)s(%(expressions)s, '[]')"
    output_field = DateRangeField()


class RateSchedule(models.Model):
    """A named tariff for one service (``W-RES`` residential water); administrators keep it."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    service = models.ForeignKey("ledger.Service", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RateVersion(models.Model):
    """The prices of a schedule from ``effective_from`` to ``effective_to`` (inclusive)."""

    schedule = models.ForeignKey(RateSchedule, on_delete=models.CASCADE, related_name="versions")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Empty: until further notice")
    note = models.CharField(max_length=200, blank=True, help_text="Ordinance or resolution")
    history = HistoricalRecords()

    class Meta:
        ordering = ["schedule", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="billing_rateversion_dates_in_order",
                violation_error_message="A version cannot end before it starts.",
            ),
            ExclusionConstraint(
                name="billing_rateversion_no_overlap",
                expressions=[
                    ("schedule", RangeOperators.EQUAL),
                    (
                        DateRangeInclusive("effective_from", "effective_to"),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message="These dates overlap another version of the schedule.",
            ),
        ]

    def __str__(self) -> str:
        end = f"{self.effective_to:%Y-%m-%d}" if self.effective_to else "onward"
        return f"{self.schedule.code} {self.effective_from:%Y-%m-%d} to {end}"


class RateComponent(models.Model):
    """One line of a bill: its kind, what it is computed on, and its prices.

    ``blocks`` is a list of ``{"from": "0", "to": "5000", "price": "3.10"}`` (``to``
    null for the last, open block), counted after ``included_units``; ``size_prices``
    maps a meter size to its fixed price. Amounts are exact decimals (text in JSON).
    """

    version = models.ForeignKey(RateVersion, on_delete=models.CASCADE, related_name="components")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=30)
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=ComponentKind)
    fixed_basis = models.CharField(max_length=15, choices=FixedBasis, blank=True)
    usage_basis = models.CharField(max_length=15, choices=UsageBasis, blank=True)
    usage_service = models.CharField(max_length=10, blank=True, help_text="Service code")
    unit_size = models.DecimalField(**QUANTITY, default=Decimal(1))
    unit_label = models.CharField(max_length=30, blank=True)
    amount = models.DecimalField(**PRICE, null=True, blank=True)
    blocks = models.JSONField(default=list, blank=True)
    block_mode = models.CharField(
        max_length=15, choices=BlockMode, default=BlockMode.EACH_TIER, blank=True
    )
    included_units = models.DecimalField(**QUANTITY, default=Decimal(0))
    size_prices = models.JSONField(default=dict, blank=True)
    minimum = models.DecimalField(**PRICE, null=True, blank=True)
    maximum = models.DecimalField(**PRICE, null=True, blank=True)
    percent = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    percent_of = models.JSONField(default=list, blank=True)
    winter_months = models.JSONField(default=list, blank=True)
    winter_default = models.DecimalField(**QUANTITY, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="billing_component_code_once",
                violation_error_message="Each component of a version needs its own code.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_kind_display()})"
