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
_PLAIN_AMOUNT = re.compile(r"-?(\d+\.?\d*|\.\d+)")
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")


def usd(amount: Decimal | int | str) -> Money:
    """A Money in USD from an exact value (never a float)."""
    if isinstance(amount, float):
        raise TypeError("Money is never built from a float")
    return Money(Decimal(amount), CURRENCY)


def quantize_half_up(amount: Decimal) -> Decimal:
    """Round to cents half-up; used only at the bill-line level."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """Parse a typed amount; raises ValueError with a plain-words reason."""
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
    return value


def format_money(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
