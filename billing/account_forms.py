"""Forms of the billing pages reached from the account page: validation only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from billing_site.common.cards import CardSafeForm

from .models import Meter, MeterInstall, RateSchedule

QTY: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 4,
    "min_value": Decimal(0),
    "required": False,
}
READING: dict[str, Any] = {"max_digits": 14, "decimal_places": 4, "min_value": Decimal(0)}


class AgreementForm(CardSafeForm):
    """A new service agreement: the schedule names the service."""

    rate_schedule = forms.ModelChoiceField(
        RateSchedule.objects.select_related("service"), label="Rate schedule"
    )
    start_date = forms.DateField(label="Starts on")
    dwelling_units = forms.IntegerField(min_value=1, initial=1, label="Dwelling units")
    meter_size = forms.CharField(max_length=10, required=False, label="Meter size")
    eru = forms.DecimalField(label="ERU", **QTY)
    carts = forms.IntegerField(min_value=0, required=False, label="Carts")
    flat_quantity = forms.DecimalField(label="Flat quantity", **QTY)


class AgreementEndForm(CardSafeForm):
    end_date = forms.DateField(label="Ends on")
    reason = forms.CharField(max_length=100, label="Reason")


class MeterInstallForm(CardSafeForm):
    meter = forms.ModelChoiceField(
        Meter.objects.exclude(
            pk__in=MeterInstall.objects.filter(removed_on__isnull=True).values("meter_id")
        ),
        to_field_name="number",
        label="Meter (in stock, not installed anywhere)",
    )
    on = forms.DateField(label="Installed on")
    reading = forms.DecimalField(label="Initial reading", **READING)


class MeterRemoveForm(CardSafeForm):
    meter = forms.ModelChoiceField(Meter.objects.none(), to_field_name="number", label="Meter")
    on = forms.DateField(label="Removed on")
    final_reading = forms.DecimalField(label="Final reading", **READING)
    reason = forms.CharField(max_length=100, label="Reason")

    def __init__(self, *args: object, meters: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["meter"].queryset = meters  # type: ignore[attr-defined]


class ReadForm(CardSafeForm):
    """A read typed by a technician or coordinator; the checks run in the service."""

    meter = forms.ModelChoiceField(Meter.objects.none(), to_field_name="number", label="Meter")
    read_date = forms.DateField(label="Read date")
    reading = forms.DecimalField(label="Reading", **READING)
    read_code = forms.CharField(max_length=10, required=False, label="Read code")

    def __init__(self, *args: object, meters: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["meter"].queryset = meters  # type: ignore[attr-defined]
        self.fields["read_date"].initial = timezone.localdate()
