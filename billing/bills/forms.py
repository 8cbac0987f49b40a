"""Bill-run forms: validation only."""

from __future__ import annotations

from django import forms

from billing_site.common.cards import CardSafeForm
from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..models import BillingCycle


class BillRunStartForm(CardSafeForm):
    cycle = forms.ModelChoiceField(BillingCycle.objects.all())
    period_start = forms.DateField(label="Period from")
    period_end = forms.DateField(label="Period to (the read date)")
    bill_date = forms.DateField()
    message = forms.CharField(max_length=300, required=False, label="Message on every bill")


class BillRunPostForm(CardSafeForm):
    confirmed_total = forms.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        label="Type the run's total to confirm it",
    )
    exclude_errors = forms.BooleanField(
        required=False, label="Exclude the accounts that could not be billed"
    )
