"""Service agreements (an account takes a service at its premise under a rate schedule,
with the determinants that are not metered), billing cycles and meter-reading routes."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .rates import QUANTITY, RateSchedule


class ServiceAgreement(models.Model):
    """An account takes ``service`` at ``premise`` under ``rate_schedule`` from start to end."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="service_agreements"
    )
    premise = models.ForeignKey("accounts.Premise", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("ledger.Service", on_delete=models.PROTECT, related_name="+")
    rate_schedule = models.ForeignKey(RateSchedule, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    dwelling_units = models.PositiveIntegerField(default=1)
    meter_size = models.CharField(max_length=10, blank=True, help_text='Like 5/8" or 1"')
    eru = models.DecimalField("ERU", **QUANTITY, null=True, blank=True)
    impervious_area = models.DecimalField(
        "impervious area (sq ft)", **QUANTITY, null=True, blank=True
    )
    carts = models.PositiveIntegerField(null=True, blank=True)
    flat_quantity = models.DecimalField(**QUANTITY, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["account", "service__payment_order"]
        permissions = [("quote_bill", "Can quote a bill with the bill calculator")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="billing_agreement_dates_in_order",
                violation_error_message="An agreement cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} at {self.premise} ({self.rate_schedule.code})"

    def active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class BillingCycle(models.Model):
    """A group of accounts read and billed together each month.

    Reads happen on ``read_day`` of the month; the bill date is ``bill_days_after_read``
    days later; the due date is ``due_days`` after the bill date, moved to the next
    business day (``billing.calendar.due_date``).
    """

    code = models.SlugField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    read_day = models.PositiveSmallIntegerField(default=1)
    bill_days_after_read = models.PositiveSmallIntegerField(default=3)
    due_days = models.PositiveSmallIntegerField(default=21)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(read_day__gte=1, read_day__lte=28),
                name="billing_cycle_read_day_in_month",
                violation_error_message="The read day is 1 to 28 (every month has it).",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def read_date(self, year: int, month: int) -> date:
        return date(year, month, self.read_day)

    def bill_date(self, year: int, month: int) -> date:
        return self.read_date(year, month) + timedelta(days=self.bill_days_after_read)


class Route(models.Model):
    """A meter reader's walk through a cycle's accounts, in read sequence."""

    code = models.SlugField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    cycle = models.ForeignKey(BillingCycle, on_delete=models.PROTECT, related_name="routes")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RouteStop(models.Model):
    """An account's place on a route (and so its cycle)."""

    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="stops")
    account = models.OneToOneField(
        "accounts.Account", on_delete=models.PROTECT, related_name="route_stop"
    )
    sequence = models.PositiveIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["route", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "sequence"],
                name="billing_routestop_sequence_once",
                violation_error_message="Another account already has this place on the route.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.route.code} #{self.sequence}"
