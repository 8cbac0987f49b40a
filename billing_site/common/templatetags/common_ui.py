"""Display filters every app's templates share: money as a counter clerk reads it, phones.

``{% load common_ui %}``. The form-field pieces that go with them are
``common/partials/_field.html`` (label, input, help, the field's errors) and
``common/partials/_form_errors.html`` (the box at the top of a refused form).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from billing_site.common.money import format_money

register = template.Library()


def _amount(value: Any) -> Decimal:
    return Decimal(getattr(value, "amount", value) or 0)


@register.filter
def usd(value: Any) -> str:
    """A Money or Decimal as ``$1,234.50`` (``-$10.00`` for a credit)."""
    return format_money(_amount(value))


@register.filter
def usd_abs(value: Any) -> str:
    """The size of an amount without its sign, for "owes" and "credit" wording."""
    return format_money(abs(_amount(value)))


@register.filter
def sign(value: Any) -> str:
    """``owed``, ``credit`` or ``zero``: a CSS class and a choice of wording."""
    amount = _amount(value)
    return "owed" if amount > 0 else "credit" if amount < 0 else "zero"


@register.filter
def phone(value: Any) -> str:
    """Stored phone digits as people read them: ``(850) 555-1234``."""
    digits = str(value or "")
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits
