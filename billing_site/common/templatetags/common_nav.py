"""``{% load common_nav %}``: the top navigation of ``base.html`` (``navigation.topnav_html``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..navigation import topnav_html

register = template.Library()


@register.simple_tag(takes_context=True)
def topnav(context: Any) -> SafeString:
    return mark_safe(topnav_html(context["request"]))  # noqa: S308 - built from escaped pieces
