"""Template helpers of the payments app: the count of voids waiting, for the navigation."""

from __future__ import annotations

from django import template

from ..selectors import voids_waiting

register = template.Library()


@register.simple_tag
def voids_waiting_count() -> int:
    return voids_waiting().count()
