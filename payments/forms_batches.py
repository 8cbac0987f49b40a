"""Forms of returns, mail batches, lockbox uploads and exceptions: validation only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from accounts.models import Account
from accounts.selectors import account_by_number
from billing_site.common.cards import CardSafeForm
from billing_site.common.money import parse_amount

from .choices import ReturnKind

MAX_UPLOAD = 20 * 1024 * 1024


def _parse(text: str) -> Decimal:
    try:
        return parse_amount(text)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None


class ReturnForm(CardSafeForm):
    kind = forms.ChoiceField(label="What came back", choices=ReturnKind.choices)
    reason = forms.CharField(label="Bank's reason", max_length=500, help_text="e.g. NSF, closed")


class BatchCreateForm(CardSafeForm):
    control_count = forms.IntegerField(label="Number of stubs", min_value=1, max_value=5000)
    control_total = forms.CharField(label="Control total", max_length=20)

    def clean_control_total(self) -> Decimal:
        return _parse(self.cleaned_data["control_total"])


class StubForm(CardSafeForm):
    """One remittance stub. A scanner types ``account|amount`` into the account box."""

    account = forms.CharField(label="Account", max_length=60)
    amount = forms.CharField(label="Amount", max_length=20, required=False)
    check_number = forms.CharField(label="Check number", max_length=30)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text = (cleaned.get("account") or "").strip()
        amount_text = (cleaned.get("amount") or "").strip()
        if "|" in text:
            text, _bar, scanned = text.partition("|")
            amount_text = amount_text or scanned.strip()
        cleaned["account"] = text.strip()
        if not amount_text:
            self.add_error("amount", "Enter the amount of the check.")
        else:
            try:
                cleaned["amount"] = parse_amount(amount_text)
            except ValueError as error:
                self.add_error("amount", str(error))
        return cleaned


class BatchCancelForm(CardSafeForm):
    reason = forms.CharField(
        label="Why cancel the batch",
        max_length=300,
        help_text="e.g. keyed twice, stubs belong to another batch",
        error_messages={"required": "Say why the batch is cancelled."},
    )


class LockboxForm(CardSafeForm):
    file = forms.FileField(label="Lockbox file (CSV)")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 20 MB: split it.")
        return upload


class ResolveForm(CardSafeForm):
    action = forms.ChoiceField(
        choices=[
            ("post", "Post to account"),
            ("post_anyway", "Post it anyway"),
            ("reject", "Reject"),
        ],
        error_messages={
            "required": "Choose Post or Reject.",
            "invalid_choice": "Choose Post or Reject.",
        },
    )
    account = forms.CharField(label="Account", max_length=40, required=False)
    reason = forms.CharField(label="Why rejected", max_length=300, required=False)
    overpaying = False  # set when the post was held back to warn of a credit

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # "Post it anyway": the person has seen that the payment leaves a credit.
        cleaned["overpay_ok"] = cleaned.get("action") == "post_anyway"
        if cleaned["overpay_ok"]:
            cleaned["action"] = "post"
        if cleaned.get("action") == "post":
            found = account_by_number(cleaned.get("account") or "")
            if found is None:
                self.add_error("account", "Enter an existing account number.")
            cleaned["account_obj"] = found
        return cleaned

    def overpayment_warning(self, amount: Decimal) -> str:
        """What to say, once, before posting more than the account owes (it leaves a credit)."""
        target = self.cleaned_data.get("account_obj")
        if target is None or self.cleaned_data.get("overpay_ok"):
            return ""
        owed = max(target.balance.amount, Decimal("0.00"))
        if amount <= owed:
            return ""
        self.overpaying = True
        return (
            f"{target.customer.display_name} ({target.number}) owes ${owed:,.2f}; this "
            f"payment of ${amount:,.2f} would leave a credit of ${amount - owed:,.2f}. "
            "Check the account, then choose Post it anyway."
        )

    def target_account(self) -> Account:
        return self.cleaned_data["account_obj"]  # type: ignore[no-any-return]
