"""Payment, drawer and void forms: they only validate what was typed.

Every form here refuses text that looks like a card number in ANY field
(``billing_site.common.cards.CardSafeForm``); the message appears next to that
field, the field comes back empty and the rest of the form as typed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from billing.hooks import billed_deposits_due
from billing.scanline import parse_scanline
from billing_site.common.cards import CardSafeForm
from billing_site.common.money import ZERO, format_money, parse_amount

from .choices import DENOMINATION_LABELS, DENOMINATIONS, CardBrand, TenderKind
from .models import MiscRevenueItem
from .selectors import account_to_pay
from .services import AccountPart, MiscPart, TenderIn

ACCOUNT_ROWS = 4
CHECK_NUMBER_CHARS = 30  # as a check tender's number


def _amount_field(label: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


def _amount(form: forms.Form, name: str) -> Decimal | None:
    text = form.data.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_amount(text)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


class TenderFieldsForm(CardSafeForm):
    cash_amount = _amount_field("Cash tendered")
    check_amount = _amount_field("Check amount")
    check_number = forms.CharField(label="Check number", required=False, max_length=30)
    mo_amount = _amount_field("Money order amount")
    mo_serial = forms.CharField(label="Money order serial", required=False, max_length=30)
    card_amount = _amount_field("Card amount")
    card_brand = forms.ChoiceField(
        label="Card brand", required=False, choices=[("", "-"), *CardBrand.choices]
    )
    card_last4 = forms.CharField(label="Last four", required=False, max_length=4)
    card_auth = forms.CharField(label="Auth code", required=False, max_length=12)
    payer = forms.CharField(label="Paid by (optional)", required=False, max_length=200)
    confirm_amount = forms.BooleanField(label="I confirm this amount", required=False)
    asks_confirmation = False  # shown with the form's errors (common/partials/_form_errors.html)

    def clean_cash_amount(self) -> Decimal | None:
        return _amount(self, "cash_amount")

    def clean_check_amount(self) -> Decimal | None:
        return _amount(self, "check_amount")

    def clean_mo_amount(self) -> Decimal | None:
        return _amount(self, "mo_amount")

    def clean_card_amount(self) -> Decimal | None:
        return _amount(self, "card_amount")

    def confirm_large(self, applied: Decimal) -> None:
        """Ask the clerk to confirm a payment above ``PAYMENTS_CONFIRM_OVER``.

        The larger of what is applied and what is tendered counts: $50,000 cash
        for a $50 bill is as much a slip as a $50,000 payment.
        """
        names = ["cash_amount", "check_amount", "mo_amount", "card_amount"]
        tendered = sum((self.cleaned_data.get(n) or ZERO for n in names), ZERO)
        largest, limit = max(applied, tendered), settings.PAYMENTS_CONFIRM_OVER
        self.asks_confirmation = largest > limit
        if self.asks_confirmation and not self.cleaned_data.get("confirm_amount"):
            self.add_error(
                None,
                f"{format_money(largest)} is more than {format_money(limit)}: check the amount, "
                'then tick "I confirm this amount" and post again.',
            )

    def tenders(self) -> list[TenderIn]:
        data = self.cleaned_data
        found = []
        if data.get("cash_amount") is not None:
            found.append(TenderIn(TenderKind.CASH, data["cash_amount"]))
        if data.get("check_amount") is not None:
            found.append(TenderIn(TenderKind.CHECK, data["check_amount"], data["check_number"]))
        if data.get("mo_amount") is not None:
            found.append(TenderIn(TenderKind.MONEY_ORDER, data["mo_amount"], data["mo_serial"]))
        if data.get("card_amount") is not None:
            found.append(
                TenderIn(
                    TenderKind.CARD,
                    data["card_amount"],
                    data["card_auth"].strip(),
                    data["card_brand"],
                    data["card_last4"].strip(),
                )
            )
        return found


class PaymentForm(TenderFieldsForm):
    """Up to four accounts paid with one set of tenders (a landlord's units)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(ACCOUNT_ROWS):
            self.fields[f"account_{i}"] = forms.CharField(
                label="Account" if i == 0 else f"Account {i + 1}",
                required=False,
                max_length=100,
                widget=forms.TextInput(attrs={"autocomplete": "off", "data-pay-account": i}),
            )
            # Numbered after the first row: a screen reader hears "Amount, account 2".
            self.fields[f"amount_{i}"] = _amount_field(
                "Amount" if i == 0 else f"Amount, account {i + 1}",
            )
        self.order_fields([f for i in range(ACCOUNT_ROWS) for f in (f"account_{i}", f"amount_{i}")])

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"account_{i}"], self[f"amount_{i}"]) for i in range(ACCOUNT_ROWS)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._parts: list[AccountPart] = []
        for i in range(ACCOUNT_ROWS):
            self._clean_row(i)
        if not self._parts and not self.errors:
            self.add_error("account_0", "Enter the account being paid.")
        self.confirm_large(sum((p.amount for p in self._parts), ZERO))
        self.confirm_overpayments()
        return cleaned

    def confirm_overpayments(self) -> None:
        """Ask the clerk to confirm paying more than an account owes by over the setting.

        ``PAYMENTS_OVERPAY_CONFIRM_OVER``: the excess becomes a credit on the account,
        which is rarely what the customer meant (a misread bill, a doubled digit). A
        security deposit asked for with the bill is not excess: what is above the balance
        goes to it first (``services.billed_deposit``), so paying the stub asks nothing.
        """
        limit = settings.PAYMENTS_OVERPAY_CONFIRM_OVER
        owed_by = [(p, max(p.account.balance.amount, ZERO)) for p in self._parts]
        over = [(p, owed) for p, owed in owed_by if p.amount - owed > limit]
        deposits = billed_deposits_due([p.account.pk for p, _owed in over]) if over else {}
        for part, owed in over:
            deposit = min(deposits.get(part.account.pk, ZERO), part.amount - owed)
            deposits[part.account.pk] = deposits.get(part.account.pk, ZERO) - deposit
            credit = part.amount - owed - deposit
            if credit <= limit:
                continue
            self.asks_confirmation = True
            if not self.cleaned_data.get("confirm_amount"):
                after = f" and the {format_money(deposit)} deposit due" if deposit else ""
                self.add_error(
                    part.field.replace("account_", "amount_"),
                    f"{format_money(part.amount)} is more than the {format_money(owed)} owed"
                    f"{after}: it leaves a credit of {format_money(credit)}. Check the amount, "
                    'then tick "I confirm this amount" and post again.',
                )

    def _clean_row(self, i: int) -> None:
        text = self.data.get(f"account_{i}", "").strip()
        amount_text = self.data.get(f"amount_{i}", "").strip()
        if (scanned := parse_scanline(text)) is not None:  # a bill stub's scanline
            text, amount_text = scanned.account_number, amount_text or f"{scanned.amount_due}"
        if "|" in text:  # a scanned bill stub: account|amount
            text, _bar, scanned = text.partition("|")
            amount_text = amount_text or scanned.strip()
        if not text:
            if amount_text and f"account_{i}" not in self.errors:  # not blanked as a card number
                self.add_error(f"account_{i}", "Enter the account this amount pays.")
            return
        account = account_to_pay(text)
        if account is None:
            self.add_error(f"account_{i}", f"No account numbered {text!r}; pick one from the list.")
            return
        try:
            amount = parse_amount(amount_text) if amount_text else None
        except ValueError as error:
            self.add_error(f"amount_{i}", str(error))
            return
        if amount is None:
            self.add_error(f"amount_{i}", "Enter the amount paid on this account.")
            return
        self._parts.append(AccountPart(account=account, amount=amount, field=f"account_{i}"))

    def account_parts(self) -> list[AccountPart]:
        return self._parts


class MiscPaymentForm(TenderFieldsForm):
    item = forms.ModelChoiceField(
        label="What for", queryset=MiscRevenueItem.objects.filter(is_active=True)
    )
    description = forms.CharField(label="Description", required=False, max_length=200)
    amount = _amount_field("Amount")

    field_order = ["item", "description", "amount"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.confirm_large(cleaned.get("amount") or ZERO)
        return cleaned

    def clean_amount(self) -> Decimal | None:
        value = _amount(self, "amount")
        if value is None:
            raise forms.ValidationError("Enter the amount.")
        return value

    def misc_parts(self) -> list[MiscPart]:
        data = self.cleaned_data
        return [MiscPart(item=data["item"], amount=data["amount"], description=data["description"])]


class CountForm(CardSafeForm):
    """A count of bills and coins by denomination."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, _value in DENOMINATIONS:
            self.fields[name] = forms.IntegerField(
                label=DENOMINATION_LABELS[name],
                min_value=0,
                max_value=100000,
                required=False,
                widget=forms.NumberInput(attrs={"data-denomination": str(_value)}),
            )
        first = self.fields[DENOMINATIONS[0][0]]
        first.widget.attrs["autofocus"] = True  # the count starts at the largest bill

    def counts(self) -> dict[str, int]:
        return {name: self.cleaned_data.get(name) or 0 for name, _v in DENOMINATIONS}


class DrawerCloseForm(CountForm):
    checks = forms.CharField(
        label="Checks and money orders",
        required=False,
        max_length=20_000,  # about 500 lines
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line: number, then amount (e.g. 1042 85.00).",
    )

    def clean_checks(self) -> list[tuple[str, Decimal]]:
        listed = []
        for n, line in enumerate(self.cleaned_data.get("checks", "").splitlines(), start=1):
            if not line.strip():
                continue
            # "1042 25.00", "1042, $1,119.40" or "1042,25.00": number first, amount last.
            parts = line.split()
            if len(parts) == 1 and "," in parts[0]:
                parts = parts[0].split(",", 1)
            parts = [p.strip(",") for p in parts if p.strip(",")]
            if len(parts) != 2:
                raise forms.ValidationError(f"Line {n}: write the number, then the amount.")
            if len(parts[0]) > CHECK_NUMBER_CHARS:
                raise forms.ValidationError(
                    f"Line {n}: a check number has at most {CHECK_NUMBER_CHARS} characters."
                )
            try:
                amount = parse_amount(parts[1])
            except ValueError as error:
                raise forms.ValidationError(f"Line {n}: {error}") from None
            if amount <= 0:
                raise forms.ValidationError(f"Line {n}: the amount must be more than zero.")
            listed.append((parts[0], amount))
        return listed


class ReopenForm(CardSafeForm):
    reason = forms.CharField(label="Why is it counted again?", max_length=200)


class VoidForm(CardSafeForm):
    reason = forms.CharField(label="Why is it voided?", max_length=500)
