"""Forms for refunds: they parse what was typed; the rules live in ``requests``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from accounts.forms import StateField, ZipField
from billing_site.common.cards import CardSafeForm

from ..choices import RefundPayee, RefundStatus
from ..forms import MEMO_WIDGET, AccountNumberField, AmountField
from .requests import PayeeIn


def _text(max_length: int, label: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(max_length=max_length, label=label, required=required)


class RefundRequestForm(CardSafeForm):
    account = AccountNumberField(
        label="Account number", error_messages={"required": "Enter the account number."}
    )
    amount = AmountField(
        help_text="All of the credit or part of it.",
        error_messages={"required": "Enter the amount to refund."},
    )
    payee = forms.ChoiceField(
        choices=RefundPayee.choices,
        initial=RefundPayee.CUSTOMER,
        widget=forms.RadioSelect,
        label="Pay to",
        error_messages={"required": "Choose the customer or another payee."},
    )
    payee_name = _text(200, "Payee name")
    payee_line1 = _text(200, "Mailing address")
    payee_line2 = _text(200, "Address line 2")
    payee_city = _text(100, "City")
    payee_state = StateField(label="State", required=False)
    payee_zip = ZipField(required=False)
    memo = forms.CharField(
        max_length=500,
        widget=MEMO_WIDGET,
        label="Why the refund",
        error_messages={"required": "Say why the credit is refunded."},
    )

    def payee_in(self) -> PayeeIn:
        d = self.cleaned_data
        return PayeeIn(
            kind=d["payee"],
            name=d.get("payee_name", ""),
            line1=d.get("payee_line1", ""),
            line2=d.get("payee_line2", ""),
            city=d.get("payee_city", ""),
            state=d.get("payee_state", "") or "",
            zip_code=d.get("payee_zip", "") or "",
        )


class RefundRegisterForm(CardSafeForm):
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *RefundStatus.choices], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data
