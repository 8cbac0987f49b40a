"""Template helpers of the payments app: the city printed on receipts, misc-revenue labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def city_on_paper() -> dict[str, str]:
    """The city's name, address and phone (settings ``BILLING_CITY_*``)."""
    return {
        "name": settings.BILLING_CITY_NAME,
        "address": settings.BILLING_CITY_ADDRESS,
        "phone": settings.BILLING_CITY_PHONE,
    }


@register.filter
def misc_label(line: Any) -> str:
    """A misc-revenue line as read aloud: "Lien search - 12 Oak St", never the name twice.

    A description that already starts with the item's name ("Lien search for 12 Oak
    St") is shown alone.
    """
    name = line.misc_item.name if line.misc_item else ""
    description = (line.description or "").strip()
    if not description or description.casefold() == name.casefold():
        return str(name)
    if description.casefold().startswith(name.casefold()):
        return description
    return f"{name} - {description}"
