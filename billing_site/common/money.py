"""Money rules in one place: USD, Decimal with two places, half-up rounding.

Every MoneyField and money form field takes its digits from here, so the
database column, the form and the ledger agree on what an amount can hold.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from djmoney.money import Money

CURRENCY = "USD"
MAX_DIGITS = 14  # up to 999,999,999,999.99
DECIMAL_PLACES = 2
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # largest amount a person may type
ZERO = Decimal("0.00")
# ASCII digits only: Python's \d (and Decimal) also read full-width, Arabic-Indic, NKo
# and mathematical bold digits, which no clerk means to type in an amount.
_PLAIN_AMOUNT = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)")
_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
OTHER_DIGITS_MESSAGE = (
    "Type the amount with the digits 0 to 9 only; this one has digits of another script "
    "or a special font (full-width, Arabic-Indic ...)."
)


def usd(amount: Decimal | int | str) -> Money:
    """A Money in USD from an exact value (never a float)."""
    if isinstance(amount, float):
        raise TypeError("Money is never built from a float")
    return Money(Decimal(amount), CURRENCY)


def quantize_half_up(amount: Decimal) -> Decimal:
    """Round to cents half-up; used only at the bill-line level."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """Parse a typed amount; raises ValueError with a plain-words reason.

    Only ASCII digits, at most two decimal places, and no more than
    ``MAX_AMOUNT`` either way (the money columns hold a little more, the ledger
    refuses more than this).
    """
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise ValueError(OTHER_DIGITS_MESSAGE)
    cleaned = text.strip().removeprefix("$")
    if "," in cleaned:  # thousands separators, and only those: "12,34.5" is a typo
        if not _GROUPED.fullmatch(cleaned):
            raise ValueError("Put commas only between thousands, like 1,234.50.")
        cleaned = cleaned.replace(",", "")
    # Plain digits only: Decimal() also reads "12e5" (1,200,000) and "1_000".
    if not _PLAIN_AMOUNT.fullmatch(cleaned):
        raise ValueError("Enter an amount like 125.50.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Enter an amount like 125.50.") from None
    if not value.is_finite():
        raise ValueError("Enter an amount like 125.50.")
    if value.as_tuple().exponent < -DECIMAL_PLACES:  # type: ignore[operator]
        raise ValueError("Use at most two decimal places (cents).")
    if abs(value) > MAX_AMOUNT:
        raise ValueError(too_large_message())
    return value


def too_large_message() -> str:
    return f"That is more than the ledger accepts ({format_money(MAX_AMOUNT)})."


def format_money(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
