"""Template filters for the adjustment pages."""

from __future__ import annotations

from django import template

register = template.Library()

# Request statuses drawn with the badge colours the account pages already use.
_BADGE = {
    "draft": "status-closed",
    "pending": "status-pending",
    "posted": "status-active",
    "rejected": "status-final",
    "withdrawn": "status-closed",
    "reversed": "status-closed",
}


@register.filter
def request_badge(status: str) -> str:
    """The badge class for a request status."""
    return _BADGE.get(status, "")
