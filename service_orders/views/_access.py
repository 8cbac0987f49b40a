from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .. import selectors
from ..models import ServiceOrder


def order_for_user(pk: int, user: Any) -> ServiceOrder:
    """The order, if this user may see it (a technician only their own: others refused)."""
    try:
        return selectors.orders_for_user(user).get(pk=pk)
    except ServiceOrder.DoesNotExist:
        if ServiceOrder.objects.filter(pk=pk).exists():
            raise PermissionDenied("This order is another technician's.") from None
        raise Http404("No such service order.") from None
