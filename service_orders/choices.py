from __future__ import annotations

from decimal import Decimal

from django.db import models


class OrderKind(models.TextChoices):
    START = "start", "Start service"
    STOP = "stop", "Stop service"
    TRANSFER = "transfer", "Transfer (move-out and move-in)"
    DISCONNECT = "disconnect", "Disconnect for non-payment"
    RECONNECT = "reconnect", "Reconnect"
    METER_TEST = "meter_test", "Meter test"
    METER_CHANGE = "meter_change", "Meter change"
    REREAD = "reread", "Re-read"
    NOTICE = "notice", "Deliver notice / door hanger"
    INVESTIGATE = "investigate", "Investigate"


# What the technician is told to do, shown on the phone view and the work order.
WHAT_TO_DO: dict[str, str] = {
    OrderKind.START: "Turn the service on and read the meter (initial read).",
    OrderKind.STOP: "Read the meter (final read); the final bill posts at once.",
    OrderKind.TRANSFER: "Read the meter once: the final read of the outgoing customer and the "
    "initial read of the incoming one (the service stays on).",
    OrderKind.DISCONNECT: "Shut off for non-payment, unless the account has been paid.",
    OrderKind.RECONNECT: "Turn the service back on and read the meter.",
    OrderKind.METER_TEST: "Test the meter at low, medium and high flow.",
    OrderKind.METER_CHANGE: "Read the old meter, set the new one and read it.",
    OrderKind.REREAD: "Read the meter again; the read goes back to the read queue.",
    OrderKind.NOTICE: "Deliver the notice or door hanger.",
    OrderKind.INVESTIGATE: "Investigate (leak, high-bill complaint) and report.",
}

# Kinds that need a meter reading to be completed.
NEEDS_READING = {
    OrderKind.START,
    OrderKind.STOP,
    OrderKind.TRANSFER,
    OrderKind.RECONNECT,
    OrderKind.METER_CHANGE,
    OrderKind.REREAD,
}


class OrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (OrderStatus.OPEN, OrderStatus.ASSIGNED, OrderStatus.IN_PROGRESS)


class Priority(models.TextChoices):
    SAME_DAY = "1_same_day", "Same day"
    HIGH = "2_high", "High"
    NORMAL = "3_normal", "Normal"


class Origin(models.TextChoices):
    COUNTER = "counter", "Counter"
    COLLECTIONS = "collections", "Collections disconnect list"
    READ_EXCEPTION = "read_exception", "Read exception"
    OFFICE = "office", "Office"


class ResultCode(models.TextChoices):
    DONE = "done", "Done as ordered"
    NO_ACCESS = "no_access", "No access (dog, locked gate)"
    PAID_AT_DOOR = "paid", "Customer showed proof of payment"
    LEAK_FOUND = "leak", "Leak found"
    NO_LEAK = "no_leak", "No leak found"
    DELIVERED = "delivered", "Notice delivered"


# A meter passes its test when every flow registers within this band (AWWA C700 style).
TOLERANCE_LOW = Decimal("98.5")
TOLERANCE_HIGH = Decimal("101.5")
