"""Forms for the account pages. They only validate and normalise what was typed;
the writes happen in ``accounts.services``, which check everything again."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from billing_site.common.cards import CardSafeForm

from .choices import (
    FLAGS_NEEDING_EXPIRY,
    AccountClass,
    AccountStatus,
    CustomerKind,
    FlagKind,
    NoteKind,
)
from .models import Account, Customer, Premise

# States, the District of Columbia, territories and military post offices.
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP AA AE AP"
)
US_STATES = frozenset(_STATE_CODES.split())
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
REASON_CHARS = 500
_PHONE_CHARS = re.compile(r"^[0-9 ().+-]*$")
_ZIP = re.compile(r"^([0-9]{5})(?:-?([0-9]{4}))?$")


class PhoneField(forms.CharField):
    """A 10-digit US phone number; punctuation is accepted and dropped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return ""
        digits = re.sub(r"[^0-9]", "", text)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if not _PHONE_CHARS.match(text) or len(digits) != 10 or digits[0] in "01":
            raise ValidationError("Enter a 10-digit US phone number, like 850-555-1234.")
        return digits


class ZipField(forms.CharField):
    """A US ZIP code: 12345 or 12345-6789 (stored in that form)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("label", "ZIP")
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return ""
        match = _ZIP.match(text)
        if match is None:
            raise ValidationError("Enter a ZIP code like 12345 or 12345-6789.")
        head, tail = match.groups()
        return f"{head}-{tail}" if tail else head


class StateField(forms.CharField):
    """A two-letter US state, district, territory or military postal code."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 3, "autocapitalize": "off"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value).upper()
        if text and text not in US_STATES:
            raise ValidationError("Enter a two-letter US state code, like FL.")
        return text


class DayField(forms.DateField):
    """A calendar date between 1900 and 2100 (anything else is a typing slip)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        kwargs.setdefault("error_messages", {"invalid": "Enter a date like 2026-11-23."})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> date | None:
        day = super().clean(value)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationError("Enter a date between 1900 and 2100.")
        return day


def text_field(max_length: int, *, required: bool = True, **kwargs: Any) -> forms.CharField:
    """A length-limited text field; ``dir="auto"`` shows right-to-left text the right way."""
    attrs = {"dir": "auto", **kwargs.pop("attrs", {})}
    widget = kwargs.pop("widget", forms.TextInput)
    return forms.CharField(
        max_length=max_length, required=required, widget=widget(attrs=attrs), **kwargs
    )


def reason_field(label: str = "Reason") -> forms.CharField:
    return text_field(REASON_CHARS, label=label, help_text="Kept in the account history.")


class NoteForm(CardSafeForm):
    kind = forms.ChoiceField(
        choices=[(NoteKind.NOTE, "Note"), (NoteKind.FOOTNOTE, "Footnote (pinned at the top)")],
        initial=NoteKind.NOTE,
        widget=forms.RadioSelect,
    )
    text = text_field(4000, label="Note", widget=forms.Textarea, attrs={"rows": 4})


class FlagSetForm(CardSafeForm):
    kind = forms.ChoiceField(label="Flag", choices=FlagKind.choices)
    reason = reason_field()
    expires_on = DayField(label="Expires on", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Named from FLAGS_NEEDING_EXPIRY, so the hint cannot fall behind the rule.
        needing = [str(FlagKind(k).label) for k in FlagKind.values if k in FLAGS_NEEDING_EXPIRY]
        self.fields["expires_on"].help_text = f"Required for {' and '.join(needing).lower()}."

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        needs_expiry = data.get("kind") in FLAGS_NEEDING_EXPIRY
        if needs_expiry and not data.get("expires_on") and "expires_on" not in self.errors:
            label = FlagKind(data["kind"]).label.lower()
            self.add_error("expires_on", f"A {label} flag needs an expiry date.")
        return data


class FlagClearForm(CardSafeForm):
    reason = reason_field("Why is it cleared?")


class StatusForm(CardSafeForm):
    """The status moves allowed from where the account is now (and for this user)."""

    LABELS = {
        AccountStatus.ACTIVE: "Activate (service on)",
        AccountStatus.FINAL: "Final (service stopped, final bill)",
        AccountStatus.CLOSED: "Close the account",
        AccountStatus.PENDING: "Pending",
    }
    to = forms.ChoiceField(label="New status", widget=forms.RadioSelect)
    reason = reason_field()

    def __init__(self, *args: Any, moves: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["to"])
        field.choices = [(m, self.LABELS.get(m, m)) for m in moves]


class MasterSubForm(CardSafeForm):
    sub_number = text_field(12, label="Account number to attach", attrs={"inputmode": "numeric"})
    other_customer = forms.BooleanField(
        label="Yes, attach another customer's residential account", required=False
    )

    def clean_sub_number(self) -> Account:
        return _account_by_number(self.cleaned_data["sub_number"])


def _account_by_number(typed: str) -> Account:
    number = typed.strip()
    account = Account.objects.filter(number=number).first() if number.isdigit() else None
    if account is None:
        raise ValidationError("No account has that number.")
    return account


CONTACT_FIELDS = ["phone", "alt_phone", "email"]
MAILING_FIELDS = [
    "mailing_line1",
    "mailing_line2",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
]


class ContactFieldsMixin(CardSafeForm):
    """Contact details and mailing address, named as on ``Customer``."""

    phone = PhoneField(required=False)
    alt_phone = PhoneField(label="Other phone", required=False)
    email = forms.EmailField(
        max_length=254, required=False, error_messages={"invalid": "Enter an email like a@b.org."}
    )
    mailing_line1 = text_field(200, label="Mailing address", required=False)
    mailing_line2 = text_field(200, label="Mailing address line 2", required=False)
    mailing_city = text_field(100, label="City", required=False)
    mailing_state = StateField(label="State", required=False)
    mailing_zip = ZipField(required=False)

    def require(self, names: list[str], message: str = "This is required.") -> None:
        for name in names:
            if not self.cleaned_data.get(name) and name not in self.errors:
                self.add_error(name, message)


class ForwardingAddressForm(CardSafeForm):
    """Where a final account's mail goes: the final bill, a refund cheque."""

    line1 = text_field(200, label="Forwarding address")
    line2 = text_field(200, label="Address line 2", required=False)
    city = text_field(100, label="City")
    state = StateField(label="State")
    zip_code = ZipField()


class CustomerContactForm(ContactFieldsMixin):
    reason = reason_field("Why the change?")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self.require(["mailing_line1", "mailing_city", "mailing_state", "mailing_zip"])
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS + MAILING_FIELDS}


class OpenAccountForm(ContactFieldsMixin):
    """A new account: an existing or new customer, an existing or new service address."""

    customer_mode = forms.ChoiceField(
        label="Customer",
        choices=[("existing", "Existing customer"), ("new", "New customer")],
        initial="new",
        widget=forms.RadioSelect,
    )
    customer = forms.ModelChoiceField(
        label="Customer number",
        queryset=Customer.objects.all(),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid_choice": "No customer has that number."},
    )
    kind = forms.ChoiceField(
        label="Customer is a",
        choices=CustomerKind.choices,
        initial=CustomerKind.PERSON,
        required=False,  # only asked for a new customer; a person unless chosen
        widget=forms.RadioSelect,
    )
    first_name = text_field(100, label="First name", required=False)
    last_name = text_field(100, label="Last name", required=False)
    organisation_name = text_field(200, label="Organisation name", required=False)
    mailing_same = forms.BooleanField(
        label="Mailing address is the service address", required=False
    )
    premise_mode = forms.ChoiceField(
        label="Service address",
        choices=[("existing", "Existing service address"), ("new", "New service address")],
        initial="new",
        widget=forms.RadioSelect,
    )
    premise = forms.ModelChoiceField(
        label="Service address number",
        queryset=Premise.objects.all(),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid_choice": "No service address has that number."},
    )
    line1 = text_field(200, label="Service address", required=False)
    line2 = text_field(100, label="Unit", required=False)
    city = text_field(100, label="City", required=False)
    state = StateField(required=False)
    zip_code = ZipField(required=False)
    account_class = forms.ChoiceField(label="Class", choices=AccountClass.choices)
    start_date = DayField(label="Start date")
    master_number = text_field(
        12, label="Master account number", required=False, attrs={"inputmode": "numeric"}
    )
    is_master = forms.BooleanField(label="This is a master account", required=False)

    field_order = ["customer_mode", "customer", "kind", "first_name", "last_name"]

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or CustomerKind.PERSON

    def clean_master_number(self) -> Account | None:
        typed = self.cleaned_data["master_number"]
        return _account_by_number(typed) if typed.strip() else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._clean_premise(data)
        self._clean_customer(data)
        return data

    def _clean_premise(self, data: dict[str, Any]) -> None:
        if data.get("premise_mode") == "existing":
            self.require(["premise"], "Enter the service address number, or choose one.")
        else:
            self.require(["line1", "city", "state", "zip_code"])

    def _clean_customer(self, data: dict[str, Any]) -> None:
        if data.get("customer_mode") == "existing":
            self.require(["customer"], "Enter the customer number, or choose one.")
            return
        if data.get("kind") == CustomerKind.ORGANISATION:
            self.require(["organisation_name"], "Enter the organisation's name.")
        else:
            self.require(["last_name"], "Enter the last name.")
        if data.get("mailing_same"):
            self._copy_service_address(data)
        else:
            self.require(["mailing_line1", "mailing_city", "mailing_state", "mailing_zip"])

    def _copy_service_address(self, data: dict[str, Any]) -> None:
        premise = data.get("premise") if data.get("premise_mode") == "existing" else None
        source = {
            "mailing_line1": premise.line1 if premise else data.get("line1", ""),
            "mailing_line2": premise.line2 if premise else data.get("line2", ""),
            "mailing_city": premise.city if premise else data.get("city", ""),
            "mailing_state": premise.state if premise else data.get("state", ""),
            "mailing_zip": premise.zip_code if premise else data.get("zip_code", ""),
        }
        data.update(source)

    def customer_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {n: data[n] for n in ["kind", *CONTACT_FIELDS, *MAILING_FIELDS]}
        if data["kind"] == CustomerKind.ORGANISATION:
            fields["organisation_name"] = data["organisation_name"]
        else:
            fields.update(first_name=data["first_name"], last_name=data["last_name"])
        return fields

    def premise_fields(self) -> dict[str, Any]:
        names = ["line1", "line2", "city", "state", "zip_code"]
        return {n: self.cleaned_data[n] for n in names}
