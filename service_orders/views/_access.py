from __future__ import annotations

from typing import Any

from django.http import Http404

from .. import selectors
from ..models import ServiceOrder


def order_for_user(pk: int, user: Any) -> ServiceOrder:
    """The order, if this user may see it (a technician only their own: others 404)."""
    try:
        return selectors.orders_for_user(user).get(pk=pk)
    except ServiceOrder.DoesNotExist:
        raise Http404("No such service order.") from None
