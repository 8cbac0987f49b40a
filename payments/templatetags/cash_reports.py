"""One cell of a cash report, as the HTML table and the PDF listing show it.

``{{ value|listing_cell:width }}`` (the PDF's fixed-width listing): amounts as
``$1,234.50`` right-aligned, counts right-aligned, dates ``YYYY-MM-DD`` and times
``YYYY-MM-DD HH:MM`` (local), text left-aligned and, when wider than its column,
shortened at a word boundary with an ellipsis (the CSV has it whole). One Python
call per cell: the 5,000-receipt journal (closeout benchmark) renders 35,000 cells.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from billing_site.common.money import format_money

register = template.Library()


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: whole, or cut after a word with "…"."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space >= width // 2:  # a word boundary not too far back
        cut = cut[:space]
    return cut.rstrip(" ,;·-") + "…"


@register.filter
def listing_cell(value: Any, width: int | str) -> str:
    width = int(width)  # {% widthratio ... as w %} gives text
    if isinstance(value, str):
        return fit(value, width).ljust(width)
    if isinstance(value, Decimal):
        return format_money(value).rjust(width)
    if isinstance(value, datetime):
        shown = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{shown:%Y-%m-%d %H:%M}".ljust(width)
    if isinstance(value, date):
        return value.isoformat().ljust(width)
    if isinstance(value, int):
        return str(value).rjust(width)
    return ("" if value is None else str(value)).ljust(width)


@register.filter
def is_amount(value: Any) -> bool:
    """Decimals and counts: right-aligned in the HTML table."""
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


@register.filter
def html_cell(value: Any) -> str:
    """The cell's text in the HTML table: amounts as ``$1,234.50``, text whole."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, datetime):
        shown = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{shown:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)
