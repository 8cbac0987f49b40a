"""Validation only: the forms of the aging, late-fee, notice and letter pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import Account
from billing_site.common.cards import CardSafeForm

from .choices import CreditBand
from .models import Agency, LetterTemplate, NoticeStep


class AgingStartForm(CardSafeForm):
    as_of = forms.DateField(label="As of", widget=forms.DateInput(attrs={"type": "date"}))
    limits = forms.CharField(
        label="Bucket limits (days)",
        max_length=60,
        initial="30, 60, 90, 120",
        help_text="The last day of each bucket, counted from the bill date.",
    )

    def clean_limits(self) -> list[int]:
        text = self.cleaned_data["limits"]
        try:
            limits = [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError:
            raise forms.ValidationError("Whole numbers of days, separated by commas.") from None
        if not limits:
            raise forms.ValidationError("Give at least one bucket limit.")
        return limits


class AsOfForm(CardSafeForm):
    as_of = forms.DateField(label="As of", widget=forms.DateInput(attrs={"type": "date"}))


class LateFeeStartForm(CardSafeForm):
    due_date = forms.DateField(label="Bills due on", widget=forms.DateInput(attrs={"type": "date"}))


class LateFeePostForm(CardSafeForm):
    confirm = forms.BooleanField(label="I checked the proof list; post these late fees.")


class WaiverForm(CardSafeForm):
    amount = forms.DecimalField(label="Amount to waive", max_digits=12, decimal_places=2)
    reason = forms.CharField(label="Why", max_length=300)


class NoticeStartForm(CardSafeForm):
    step = forms.ModelChoiceField(queryset=NoticeStep.objects.filter(is_active=True))
    paid_since = forms.DateField(
        label="Leave out accounts that paid since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class NoticeSendForm(CardSafeForm):
    confirm = forms.BooleanField(
        label="I checked the proof list; send the letters, post the fees, record the step."
    )


class LetterForm(CardSafeForm):
    template = forms.ModelChoiceField(queryset=LetterTemplate.objects.filter(is_active=True))
    text = forms.CharField(
        label="Text of the letter", max_length=4000, widget=forms.Textarea, required=False
    )


class OwnerForm(CardSafeForm):
    owner_name = forms.CharField(label="Property owner", max_length=200, required=False)
    owner_line1 = forms.CharField(label="Owner's mailing address", max_length=200, required=False)
    owner_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    owner_city = forms.CharField(label="City", max_length=100, required=False)
    owner_state = forms.CharField(label="State", max_length=2, required=False)
    owner_zip = forms.CharField(label="ZIP", max_length=10, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("owner_name") and not (data.get("owner_line1") and data.get("owner_city")):
            self.add_error("owner_line1", "Give the owner's mailing address.")
        return data


class PlanForm(CardSafeForm):
    amount = forms.DecimalField(label="Amount of the plan", max_digits=12, decimal_places=2)
    down_payment = forms.DecimalField(label="Down payment", max_digits=12, decimal_places=2)
    months = forms.IntegerField(label="Monthly installments", min_value=1, max_value=60)
    first_due = forms.DateField(
        label="First installment due", widget=forms.DateInput(attrs={"type": "date"})
    )
    override_reason = forms.CharField(
        label="Override reason (only if a rule is broken)",
        max_length=500,
        required=False,
        help_text="A supervisor other than you must approve a plan that breaks a rule.",
    )


class PlanDecideForm(CardSafeForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(label="Note or reason", max_length=500, required=False)


class PlanCancelForm(CardSafeForm):
    reason = forms.CharField(label="Why the plan is cancelled", max_length=500)


class CreditResultForm(CardSafeForm):
    band = forms.ChoiceField(label="Credit check band", choices=CreditBand.choices)
    letter_of_credit = forms.BooleanField(label="Letter of credit from a previous utility",
                                          required=False)  # fmt: skip
    note = forms.CharField(label="Note", max_length=300, required=False)


class DepositTakeForm(CardSafeForm):
    amount = forms.DecimalField(label="Deposit taken", max_digits=12, decimal_places=2,
                                min_value=Decimal("0.01"))  # fmt: skip


class DepositCounterForm(CardSafeForm):
    """A deposit taken at the counter into the clerk's drawer (cash, check or money order)."""

    amount = forms.DecimalField(label="Deposit", max_digits=12, decimal_places=2,
                                min_value=Decimal("0.01"))  # fmt: skip
    tender = forms.ChoiceField(choices=[("cash", "Cash"), ("check", "Check"),
                                        ("money_order", "Money order")])  # fmt: skip
    cash_given = forms.DecimalField(
        label="Cash given (for change)", required=False, max_digits=12, decimal_places=2,
        min_value=Decimal("0.01"),
    )  # fmt: skip
    reference = forms.CharField(label="Check no. or money order serial", required=False,
                                max_length=30)  # fmt: skip


class DepositBillForm(CardSafeForm):
    """A deposit collected with the account's bills: the total required (what is held counts)."""

    amount = forms.DecimalField(label="Deposit required in all", max_digits=12,
                                decimal_places=2, min_value=Decimal("0.01"))  # fmt: skip


class DepositReturnForm(CardSafeForm):
    how = forms.ChoiceField(choices=[("apply", "Apply to the balance, refund the rest"),
                                     ("refund", "Refund all of it")])  # fmt: skip


class WriteOffForm(CardSafeForm):
    reason = forms.CharField(label="Why it is uncollectible", max_length=500)


class RecoveryForm(CardSafeForm):
    amount = forms.DecimalField(label="Amount recovered", max_digits=12, decimal_places=2)


class ReferForm(CardSafeForm):
    """Refer the ticked accounts of the review list to one agency."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(is_active=True),
                                    empty_label="Choose the agency")  # fmt: skip
    accounts = forms.ModelMultipleChoiceField(
        queryset=Account.objects.all(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick the accounts to refer."},
    )  # fmt: skip


class RecallForm(CardSafeForm):
    reason = forms.CharField(label="Why the account is recalled", max_length=300)


class RemittanceForm(CardSafeForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), empty_label="Choose the agency")
    file = forms.FileField(label="Remittance file (CSV)")
