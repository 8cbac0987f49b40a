"""Small helpers shared by the payment services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from billing_site.common.money import ZERO
from ledger.errors import PostingRefused
from ledger.selectors import current_business_date
from ledger.services import check_amount

from ..choices import DENOMINATIONS


def refuse(field: str | None, message: str) -> ValidationError:
    """A refusal the form shows next to ``field`` (or at the top when None)."""
    return ValidationError({field: message} if field else message)


def amount_for(field: str, amount: Decimal, *, what: str = "Amount") -> Decimal:
    try:
        return check_amount(amount, what=what)
    except PostingRefused as refused:
        raise refuse(field, str(refused)) from None


def today() -> Any:
    return current_business_date()


def count_total(counts: dict[str, int]) -> Decimal:
    """Dollars in a count by denomination; refuses negative or unknown denominations."""
    total = ZERO
    values = dict(DENOMINATIONS)
    for name, count in counts.items():
        if name not in values:
            raise refuse(None, f"Unknown denomination {name!r}.")
        if not isinstance(count, int) or count < 0:
            raise refuse(name, "Count whole pieces: 0 or more.")
        total += values[name] * count
    return total.quantize(Decimal("0.01"))
