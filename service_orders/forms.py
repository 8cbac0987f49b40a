"""Forms of the service-order pages: validation only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User

from accounts.models import Account
from billing_site.common.cards import CardSafeForm

from .choices import ACTIVE_STATUSES, OrderKind, ResultCode
from .models import ServiceOrder
from .photos import max_bytes

READING = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0), "required": False}
PERCENT = {"max_digits": 6, "decimal_places": 2, "min_value": Decimal(0), "required": False}


class CounterOrderForm(CardSafeForm):
    """A start or stop order taken at the counter while the customer waits."""

    kind = forms.ChoiceField(
        choices=[(OrderKind.START, "Start service"), (OrderKind.STOP, "Stop service")]
    )
    requested_on = forms.DateField(label="Service date", widget=forms.DateInput({"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea({"rows": 2}))
    forwarding_line1 = forms.CharField(label="Forwarding address", required=False, max_length=200)
    forwarding_city = forms.CharField(label="City", required=False, max_length=100)
    forwarding_state = forms.CharField(label="State", required=False, max_length=2)
    forwarding_zip = forms.CharField(label="ZIP", required=False, max_length=10)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == OrderKind.STOP:
            for name in ("forwarding_line1", "forwarding_city", "forwarding_state"):
                if not data.get(name):
                    self.add_error(name, "Where does the final bill go? This is required.")
        return data

    def forwarding(self) -> dict[str, str]:
        d = self.cleaned_data
        if d.get("kind") != OrderKind.STOP:
            return {}
        return {k: d[f"forwarding_{k}"] for k in ("line1", "city", "state", "zip")}


class TransferForm(CardSafeForm):
    """A move-out and a move-in at one premise on one date (one order, one read)."""

    incoming = forms.CharField(
        label="Incoming account number", max_length=12,
        help_text="The new customer's pending account at this premise (open it first).",
    )  # fmt: skip
    requested_on = forms.DateField(label="Transfer date", widget=forms.DateInput({"type": "date"}))
    forwarding_line1 = forms.CharField(
        label="Outgoing customer's forwarding address", max_length=200
    )
    forwarding_city = forms.CharField(label="City", max_length=100)
    forwarding_state = forms.CharField(label="State", max_length=2)
    forwarding_zip = forms.CharField(label="ZIP", required=False, max_length=10)
    notes = forms.CharField(required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, premise_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.premise_id = premise_id

    def clean_incoming(self) -> Account:
        number = "".join(self.cleaned_data["incoming"].split())
        found = Account.objects.filter(number=number).select_related("customer").first()
        if found is None:
            raise forms.ValidationError("No account has this number.")
        if found.premise_id != self.premise_id:
            raise forms.ValidationError("This account is at another premise.")
        return found

    def forwarding(self) -> dict[str, str]:
        return {k: self.cleaned_data[f"forwarding_{k}"] for k in ("line1", "city", "state", "zip")}


class AssignForm(CardSafeForm):
    """Many orders to one technician (the board's checkboxes).

    The ticked orders are checked against the open orders in one query when the form is
    sent; the board no longer lists every order, so there are no choices to render."""

    technician = forms.ModelChoiceField(queryset=User.objects.none(), empty_label="Choose…")
    orders = forms.CharField(required=False)  # many values: read by ``ticked()``

    def __init__(self, *args: Any, technicians: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["technician"]
        field.queryset = technicians

    def ticked(self) -> list[int]:
        """The ticked order ids as typed (numbers only), kept on an error."""
        return [int(v) for v in self.data.getlist("orders") if v.isdigit()][:5000]

    def clean_orders(self) -> list[int]:
        ids = self.ticked()
        if not ids:
            raise forms.ValidationError("Tick the orders to assign.")
        found = set(
            ServiceOrder.objects.filter(pk__in=ids, status__in=ACTIVE_STATUSES).values_list(
                "pk", flat=True
            )
        )
        if missing := [pk for pk in ids if pk not in found]:
            raise forms.ValidationError(
                f"{len(missing)} ticked order{'s are' if len(missing) > 1 else ' is'} no "
                "longer open; reload the board."
            )
        return ids


class CancelForm(CardSafeForm):
    reason = forms.CharField(max_length=300, widget=forms.Textarea({"rows": 2}))


class CompleteForm(CardSafeForm):
    """What the technician found and did; the reading is checked against the last read."""

    result_code = forms.ChoiceField(label="Result", choices=ResultCode.choices)
    reading = forms.DecimalField(label="Reading", **READING)
    new_reading = forms.DecimalField(label="New meter's reading", **READING)
    accuracy_low = forms.DecimalField(label="Accuracy, low flow (%)", **PERCENT)
    accuracy_medium = forms.DecimalField(label="Accuracy, medium flow (%)", **PERCENT)
    accuracy_high = forms.DecimalField(label="Accuracy, high flow (%)", **PERCENT)
    notes = forms.CharField(required=False, widget=forms.Textarea({"rows": 3}))
    photo = forms.ImageField(
        required=False, help_text=f"Optional. JPEG or PNG, up to {max_bytes() // 2**20} MB.",
        widget=forms.ClearableFileInput(
            {"accept": "image/jpeg,image/png", "capture": "environment"}
        ),
    )  # fmt: skip
    confirm_reading = forms.BooleanField(
        required=False, label="The reading is right (it is lower than the last read)"
    )

    def __init__(self, *args: Any, needs_reading: bool, last_reading: Decimal | None, kind: str,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.needs_reading, self.last_reading, self.kind = needs_reading, last_reading, kind
        if kind != OrderKind.METER_CHANGE:
            del self.fields["new_reading"]
        if kind != OrderKind.METER_TEST:
            for name in ("accuracy_low", "accuracy_medium", "accuracy_high"):
                del self.fields[name]
        if not needs_reading and kind != OrderKind.DISCONNECT:
            del self.fields["reading"]
            del self.fields["confirm_reading"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reading = data.get("reading")
        no_access = data.get("result_code") == ResultCode.NO_ACCESS
        if self.needs_reading and reading is None and not no_access:
            self.add_error("reading", "Enter the meter reading.")
        low = self.last_reading
        lower = reading is not None and low is not None and reading < low
        if lower and not data.get("confirm_reading"):
            self.add_error(
                "reading",
                f"The reading is lower than the last read ({low}). Check it, or tick "
                "the box to confirm it (a rollover or a changed meter).",
            )
        needs_new = self.kind == OrderKind.METER_CHANGE and not no_access
        if needs_new and data.get("new_reading") is None:
            self.add_error("new_reading", "Enter the new meter's reading.")
        if self.kind == OrderKind.METER_TEST and not no_access:
            for name in ("accuracy_low", "accuracy_medium", "accuracy_high"):
                if data.get(name) is None:
                    self.add_error(name, "Enter the accuracy at this flow.")
        return data
