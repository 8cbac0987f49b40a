"""Reads of service orders: the dispatch board, a technician's day, an account's open
orders. Each is a fixed number of queries however many orders there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from billing.models import MeterRead
from billing_site.common.roles import FIELD_TECHNICIAN

from .choices import ACTIVE_STATUSES
from .models import ServiceOrder

BOARD_FIELDS = (
    "number", "kind", "status", "priority", "origin", "due_on", "requested_on",
    "route_sequence", "technician_id", "account_id", "premise_id", "route_id",
    "account__number", "premise__line1", "premise__line2", "route__code",
    "technician__username", "technician__first_name", "technician__last_name",
)  # fmt: skip


def board_orders(today: date) -> QuerySet[ServiceOrder]:
    """Open work due today or overdue, for the board (one query)."""
    return (
        ServiceOrder.objects.filter(status__in=ACTIVE_STATUSES, due_on__lte=today)
        .select_related("account", "premise", "route", "technician")
        .only(*BOARD_FIELDS)
        .order_by("technician__username", "route__code", "route_sequence", "priority", "number")
    )


@dataclass
class BoardGroup:
    """The orders of one technician (or unassigned), by route."""

    technician: User | None
    orders: list[ServiceOrder] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.technician is None:
            return "Unassigned"
        return self.technician.get_full_name() or self.technician.get_username()


def board(today: date) -> list[BoardGroup]:
    groups: dict[int | None, BoardGroup] = {}
    for order in board_orders(today):
        key = order.technician_id
        if key not in groups:
            groups[key] = BoardGroup(technician=order.technician)
        groups[key].orders.append(order)
    unassigned = groups.pop(None, None)
    return ([unassigned] if unassigned else []) + list(groups.values())


def technicians() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=FIELD_TECHNICIAN).order_by("username")


def my_day(user: User, today: date) -> list[ServiceOrder]:
    """A technician's orders for today (and overdue ones), in route order."""
    return list(
        ServiceOrder.objects.filter(technician=user, status__in=ACTIVE_STATUSES, due_on__lte=today)
        .select_related("premise", "account", "meter", "route")
        .order_by("route__code", "route_sequence", "priority", "number")
    )


def orders_for_user(user: User) -> QuerySet[ServiceOrder]:
    """Orders a user may open: a technician only their own."""
    orders = ServiceOrder.objects.select_related(
        "account__customer", "premise", "meter", "new_meter", "route", "technician",
        "created_by", "completed_by", "cancelled_by",
    )  # fmt: skip
    if user.has_perm("service_orders.dispatch_serviceorder") or user.has_perm(
        "service_orders.add_serviceorder"
    ):
        return orders
    if user.has_perm("service_orders.work_serviceorder"):
        return orders.filter(technician=user)
    return orders  # auditors read everything


def open_orders_of_account(account_id: int) -> list[ServiceOrder]:
    return list(
        ServiceOrder.objects.filter(account_id=account_id, status__in=ACTIVE_STATUSES)
        .select_related("technician")
        .order_by("due_on", "number")
    )


def pending_disconnect(account_id: int) -> ServiceOrder | None:
    return (
        ServiceOrder.objects.filter(
            Q(account_id=account_id, kind="disconnect", status__in=ACTIVE_STATUSES)
        )
        .order_by("number")
        .first()
    )


def last_reads(meter_id: int | None, count: int = 3) -> list[MeterRead]:
    if meter_id is None:
        return []
    return list(MeterRead.objects.filter(meter_id=meter_id).order_by("-read_date", "-pk")[:count])


def route_sheet(user: User, day: date) -> list[ServiceOrder]:
    """A technician's orders for ``day`` in read-sequence order (the printed route sheet)."""
    return list(
        ServiceOrder.objects.filter(technician=user, status__in=ACTIVE_STATUSES, due_on__lte=day)
        .select_related("account__customer", "premise", "meter", "route")
        .order_by("route__code", "route_sequence", "number")
    )
