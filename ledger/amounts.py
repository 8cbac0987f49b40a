"""Amounts typed by people, checked before anything posts."""

from __future__ import annotations

from decimal import Decimal

from billing_site.common.money import MAX_AMOUNT, ZERO

from .errors import PostingRefused


def check_amount(amount: Decimal, *, what: str = "Amount") -> Decimal:
    """Refuse amounts no person means: zero, negative, fractions of a cent, too many digits."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PostingRefused(f"{what} must be a number of dollars and cents.")
    if amount <= ZERO:
        raise PostingRefused(f"{what} must be more than zero.")
    if amount > MAX_AMOUNT:  # before quantize(), which raises on numbers this large
        raise PostingRefused(f"{what} is larger than the ledger accepts.")
    if amount != amount.quantize(Decimal("0.01")):
        raise PostingRefused(f"{what} can have at most two decimal places.")
    return amount
