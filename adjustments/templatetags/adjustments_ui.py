"""Template filters for the adjustment pages."""

from __future__ import annotations

from django import template

from ..choices import RequestStatus

register = template.Library()

# Request statuses drawn with the badge colours the account pages already use.
_BADGE = {
    RequestStatus.DRAFT: "status-closed",
    RequestStatus.PENDING: "status-pending",
    RequestStatus.POSTED: "status-active",
    RequestStatus.REJECTED: "status-final",
    RequestStatus.WITHDRAWN: "status-closed",
    RequestStatus.REVERSED: "status-closed",
}


@register.filter
def request_badge(status: str) -> str:
    """The badge class for a request status."""
    return _BADGE.get(status, "")
