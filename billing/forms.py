"""Billing forms: validation only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from billing_site.common.cards import CardSafeMixin

from .choices import ImportFormat
from .models import RateSchedule, ServiceAgreement

QTY = {"max_digits": 14, "decimal_places": 4, "min_value": Decimal(0), "required": False}


class QuoteForm(CardSafeMixin, forms.Form):
    """The bill calculator: a schedule (or an account's agreement) and what to price."""

    agreement = forms.ModelChoiceField(
        ServiceAgreement.objects.none(), required=False, label="Service of this account"
    )
    schedule = forms.ModelChoiceField(
        RateSchedule.objects.all(), required=False, to_field_name="code", label="Rate schedule"
    )
    usage = forms.DecimalField(label="Use (gallons or the meter's units)", **QTY)
    days = forms.IntegerField(min_value=1, max_value=400, initial=30, label="Days billed")
    start = forms.DateField(required=False, label="From", help_text="Default: 30 days ago")
    units = forms.IntegerField(min_value=0, required=False, label="Dwelling units")
    eru = forms.DecimalField(label="ERU", **QTY)
    carts = forms.IntegerField(min_value=0, required=False)
    meter_size = forms.CharField(max_length=10, required=False, label="Meter size")

    def __init__(self, *args: object, account_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if account_id is not None:
            field = self.fields["agreement"]
            field.queryset = ServiceAgreement.objects.filter(  # type: ignore[attr-defined]
                account_id=account_id
            ).select_related("service", "rate_schedule")
        else:
            del self.fields["agreement"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("agreement") and not data.get("schedule"):
            raise forms.ValidationError("Choose a rate schedule or one of the account's services.")
        if not data.get("start"):
            data["start"] = timezone.localdate() - timedelta(days=data.get("days") or 30)
        return data


class ReadImportForm(CardSafeMixin, forms.Form):
    file = forms.FileField(label="Read file", help_text="CSV (docs/read_format.md) or a route file")
    format = forms.ChoiceField(choices=ImportFormat.choices, initial=ImportFormat.CSV)


class ExceptionForm(CardSafeMixin, forms.Form):
    ACTIONS = (("accept", "Accept"), ("correct", "Correct"), ("reread", "Ask for a re-read"))
    action = forms.ChoiceField(choices=ACTIONS)
    reading = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    reason = forms.CharField(max_length=300, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") == "correct":
            if data.get("reading") is None:
                self.add_error("reading", "Enter the corrected reading.")
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "Say why the reading is corrected.")
        return data


class RateFileForm(CardSafeMixin, forms.Form):
    file = forms.FileField(required=False, label="Rate file (JSON, docs/rates.md)")
    text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    digest = forms.CharField(required=False, widget=forms.HiddenInput)
