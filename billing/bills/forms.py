"""Bill-run forms: validation only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django import forms

from billing_site.common.cards import CardSafeForm
from billing_site.common.money import DECIMAL_PLACES, MAX_DIGITS

from ..choices import CancelReason
from ..models import BillingCycle, Meter, MiscFee


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


class BillCancelForm(CardSafeForm):
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *CancelReason.choices])
    note = forms.CharField(max_length=300, required=False, label="Note (required for Other)")
    rebill = forms.BooleanField(
        required=False, initial=True, label="Rebill at once from today's reads and agreement"
    )


class StopServiceForm(CardSafeForm):
    """The day service stops and a final reading for each meter at the premise."""

    on = forms.DateField(label="Service stops on (the final read's date)")

    def __init__(self, *args: object, meters: Sequence[Meter] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.meters = list(meters)
        for meter in self.meters:
            self.fields[f"reading_{meter.pk}"] = forms.DecimalField(
                max_digits=14, decimal_places=4, min_value=Decimal(0),
                label=f"Final reading of meter {meter.number}",
            )  # fmt: skip

    def readings(self) -> list[tuple[Meter, Decimal]]:
        return [(m, self.cleaned_data[f"reading_{m.pk}"]) for m in self.meters]


class OneTimeChargeForm(CardSafeForm):
    fee = forms.ModelChoiceField(
        MiscFee.objects.filter(is_active=True).select_related("service", "revenue_gl"),
        label="Fee",
    )
    amount = forms.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, min_value=Decimal("0.01"),
        required=False, label="Amount (only for a fee typed within limits)",
    )  # fmt: skip
    reason = forms.CharField(max_length=300, label="Reason")


class OneTimeChargeRejectForm(CardSafeForm):
    reason = forms.CharField(max_length=300, label="Why it is rejected")


class BudgetEnrolForm(CardSafeForm):
    true_up_month = forms.TypedChoiceField(
        coerce=int, choices=[(m, date(2000, m, 1).strftime("%B")) for m in range(1, 13)],
        label="True-up (settle-up) month",
    )  # fmt: skip


class BudgetLeaveForm(CardSafeForm):
    reason = forms.CharField(max_length=300, label="Why the account leaves the plan")
