"""The navigation's "My work" count: one query, kept on the request for the page."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import my_count

register = template.Library()


@register.simple_tag(takes_context=True)
def my_work_count(context: Any) -> int:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    if not hasattr(request, "_my_work_count"):
        request._my_work_count = my_count(request.user)
    return int(request._my_work_count)
