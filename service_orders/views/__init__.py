"""Service-order pages: the order (detail, work order PDF, cancel, complete), the
dispatch board and route sheets, the technician's day, counter orders."""

from .board import board, disconnect_orders, reread_order, route_sheet
from .counter import counter_order, transfer
from .orders import cancel, complete, detail, mine, photo, start, work_order_pdf

__all__ = [
    "board",
    "cancel",
    "complete",
    "counter_order",
    "detail",
    "disconnect_orders",
    "mine",
    "photo",
    "reread_order",
    "route_sheet",
    "start",
    "transfer",
    "work_order_pdf",
]  # fmt: skip
