"""The scanline on a bill's remittance stub: fixed-width digits a stub scanner types.

Layout (29 digits, no separators)::

    AAAAAAAAAA  CCCCCCCCCC  YYYYMMDD  K
    account     amount due  due date  check digit
    (10, zero-  in cents    (8)       (1, mod 10 over the 28 digits before it)
    padded)     (10)

* The account number is the account's own number (its last digit is already the
  account's Luhn check digit), zero-padded on the left to 10 digits. Account
  numbers are at least 8 digits (``accounts.services``: 7 digits and a check
  digit, which may start with 0), so reading it back strips the padding down to 8.
* The amount due is in cents; a credit or zero balance prints as zero.
* The check digit is the Luhn (mod 10, weights 2-1 from the right) digit of the 28
  digits before it, from ``billing_site.common.numbering.luhn_check_digit`` (no
  check-digit library is installed). It catches every single-digit misread and most
  swaps of neighbours.

At 29 digits a scanline can never be mistaken for a card number (13 to 19 digits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing_site.common.numbering import is_valid_check_digit, luhn_check_digit

LENGTH = 29
ACCOUNT_WIDTH = 10
ACCOUNT_DIGITS = 8  # the shortest account number (7 digits and a check digit)
AMOUNT_WIDTH = 10


@dataclass(frozen=True)
class Scanline:
    account_number: str
    amount_due: Decimal
    due_date: date


def scanline(*, account_number: str, amount_due: Decimal, due_date: date) -> str:
    """The stub's scanline for these values."""
    cents = max(int((amount_due * 100).to_integral_value()), 0)
    body = f"{account_number.zfill(ACCOUNT_WIDTH)}{cents:0{AMOUNT_WIDTH}d}{due_date:%Y%m%d}"
    if len(body) != LENGTH - 1 or not body.isdigit():
        raise ValueError(f"Cannot make a scanline of {account_number!r} and {amount_due}.")
    return f"{body}{luhn_check_digit(body)}"


def parse_scanline(text: str) -> Scanline | None:
    """What a scanned stub says, or None when ``text`` is not a valid scanline."""
    digits = text.strip().replace(" ", "")
    if len(digits) != LENGTH or not is_valid_check_digit(digits):
        return None
    account = digits[:ACCOUNT_WIDTH].lstrip("0").zfill(ACCOUNT_DIGITS)
    cents = int(digits[ACCOUNT_WIDTH : ACCOUNT_WIDTH + AMOUNT_WIDTH])
    try:
        due = date(int(digits[20:24]), int(digits[24:26]), int(digits[26:28]))
    except ValueError:
        return None
    return Scanline(account, Decimal(cents).scaleb(-2), due)  # cents: 49.70, not 49.7
