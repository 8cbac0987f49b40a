"""Forms for adjustment requests. They parse and validate what was typed; the rules
about accounts, limits and balances live in ``adjustments.services``, whose
errors the views show next to the same field names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts.models import Account
from accounts.selectors import account_by_number
from billing_site.common.cards import CardSafeForm
from billing_site.common.money import parse_amount
from ledger.choices import CUSTOMER_ROLES
from ledger.models import GLAccount, Service

from .attachments import check_attachment, max_bytes
from .choices import Direction, RequestKind, RequestStatus, TransferOf
from .models import AdjustmentReason, AdjustmentRequest

MEMO_WIDGET = forms.Textarea(attrs={"rows": 3, "maxlength": 500})


class AmountField(forms.CharField):
    """Dollars and cents typed by a person: more than zero, whole cents, within the ledger."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        try:
            amount = parse_amount(text)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if amount <= 0:
            raise ValidationError("Enter an amount more than zero; the direction is chosen above.")
        return amount


class AccountNumberField(forms.CharField):
    """An account number typed or scanned; cleans to the Account."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Account:  # type: ignore[override]
        text = super().clean(value)
        account = account_by_number(text)
        if account is None:
            raise ValidationError(f"No account has the number {text}.")
        return account


class AttachmentMixin:
    cleaned_data: dict[str, Any]

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload:
            check_attachment(upload)
        return upload


def attachment_field() -> forms.FileField:
    megabytes = max_bytes() // (1024 * 1024)
    return forms.FileField(
        required=False,
        label="Supporting document",
        help_text=f"Optional. PDF, PNG or JPEG, up to {megabytes} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


def _required(message: str) -> dict[str, str]:
    return {"required": message}


MEMO_REQUIRED = _required("Say what the request is for.")


class AdjustmentRequestForm(AttachmentMixin, CardSafeForm):
    account = AccountNumberField(
        label="Account number", error_messages=_required("Enter the account number.")
    )
    direction = forms.ChoiceField(
        choices=Direction.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Choose credit or debit."),
    )
    reason = forms.ModelChoiceField(
        queryset=AdjustmentReason.objects.filter(is_active=True),
        empty_label="Choose a reason",
        error_messages={
            "required": "Choose the reason for the adjustment.",
            "invalid_choice": "That reason is no longer in use; choose another.",
        },
    )
    memo = forms.CharField(
        max_length=500, widget=MEMO_WIDGET, label="Memo", error_messages=MEMO_REQUIRED
    )
    attachment = attachment_field()

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = services
        for service in services:
            self.fields[f"amount_{service.code}"] = AmountField(required=False, label=service.name)

    def amount_fields(self) -> list[forms.BoundField]:
        return [self[f"amount_{s.code}"] for s in self.services]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        names = [f"amount_{s.code}" for s in self.services]
        typed = any(self.data.get(self.add_prefix(name), "").strip() for name in names)
        if not typed:
            self.add_error(names[0], "Enter an amount for at least one service.")
        return data

    def amounts(self) -> list[tuple[Service, Decimal]]:
        found = [(s, self.cleaned_data.get(f"amount_{s.code}")) for s in self.services]
        return [(s, amount) for s, amount in found if amount is not None]


class TransferForm(AttachmentMixin, CardSafeForm):
    account = AccountNumberField(
        label="From account number", error_messages=_required("Enter the account it comes from.")
    )
    to_account = AccountNumberField(
        label="To account number", error_messages=_required("Enter the account it goes to.")
    )
    transfer_of = forms.ChoiceField(
        choices=TransferOf.choices,
        widget=forms.RadioSelect,
        label="What moves",
        error_messages=_required("Choose a balance owed or a credit."),
    )
    amount = AmountField(error_messages=_required("Enter the amount to move."))
    memo = forms.CharField(max_length=500, widget=MEMO_WIDGET, error_messages=MEMO_REQUIRED)
    attachment = attachment_field()


class ConsolidationForm(CardSafeForm):
    memo = forms.CharField(max_length=500, widget=MEMO_WIDGET, error_messages=MEMO_REQUIRED)


class DecisionForm(CardSafeForm):
    """Approve (optional note), reject or reverse (a reason is required for those)."""

    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=MEMO_WIDGET,
        help_text="Required to reject or reverse; an optional note when approving.",
    )


class GLDraftForm(CardSafeForm):
    memo = forms.CharField(max_length=500, widget=MEMO_WIDGET, error_messages=MEMO_REQUIRED)


class GLLineForm(CardSafeForm):
    gl_account = forms.ModelChoiceField(
        queryset=GLAccount.objects.filter(is_active=True)
        .exclude(role__in=CUSTOMER_ROLES)
        .select_related("fund"),
        required=False,
        label="GL account",
        empty_label="Choose a GL account",
        widget=forms.Select(attrs={"aria-label": "GL account"}),
        error_messages={"invalid_choice": "Choose a GL account from the list."},
    )
    debit = AmountField(
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "aria-label": "Debit"}),
    )
    credit = AmountField(
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "aria-label": "Credit"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The lines repeat the same three fields: a screen reader hears "Debit, line 2".
        line = (self.prefix or "").rsplit("-", 1)[-1]
        if line.isdigit():
            for name, label in (
                ("gl_account", "GL account"),
                ("debit", "Debit"),
                ("credit", "Credit"),
            ):
                numbered = f"{label}, line {int(line) + 1}"
                self.fields[name].label = numbered
                self.fields[name].widget.attrs["aria-label"] = numbered

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        gl, debit, credit = data.get("gl_account"), data.get("debit"), data.get("credit")
        if debit is not None and credit is not None:
            self.add_error("credit", "Enter a debit or a credit on a line, not both.")
        elif gl is not None and debit is None and credit is None and not self.errors:
            self.add_error("debit", "Enter a debit or a credit for this GL account.")
        elif gl is None and "gl_account" not in self.errors and (debit or credit):
            self.add_error("gl_account", "Choose the GL account for this amount.")
        return data

    def signed_amount(self) -> Decimal | None:
        debit, credit = self.cleaned_data.get("debit"), self.cleaned_data.get("credit")
        return debit if debit is not None else (-credit if credit is not None else None)


class RegisterFilterForm(CardSafeForm):
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.ModelChoiceField(
        queryset=AdjustmentReason.objects.all(), required=False, empty_label="Any reason"
    )
    requested_by = forms.ModelChoiceField(
        # Only people who have requested something: not every user of the system.
        queryset=get_user_model()
        .objects.filter(pk__in=AdjustmentRequest.objects.values("requested_by"))
        .order_by("username"),
        required=False,
        empty_label="Anyone",
        label="Requested by",
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *RequestStatus.choices[1:]], required=False
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *RequestKind.choices], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data
