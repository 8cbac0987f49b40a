"""Reads of service orders: the dispatch board, a technician's day, an account's open
orders. Each is a fixed number of queries however many orders there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from billing.models import MeterRead
from billing_site.common.roles import FIELD_TECHNICIAN

from .choices import ACTIVE_STATUSES, OrderKind, OrderStatus, Priority
from .models import ServiceOrder

BOARD_PAGE = 50  # the rows of one technician (or route) shown at once
BOARD_FIELDS = (
    "pk", "number", "kind", "status", "priority", "due_on", "route_sequence",
    "account__number", "incoming_account__number", "premise__line1", "premise__line2",
    "route__code",
)  # fmt: skip
KIND_LABELS = dict(OrderKind.choices)
STATUS_LABELS = dict(OrderStatus.choices)
PRIORITY_LABELS = dict(Priority.choices)


def _board_scope(today: date) -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.filter(status__in=ACTIVE_STATUSES, due_on__lte=today)


def board_orders(today: date) -> QuerySet[ServiceOrder]:
    """Open work due today or overdue, in board order (one query)."""
    return _board_scope(today).order_by(
        "technician__username", "route__code", "route_sequence", "priority", "number"
    )


@dataclass
class BoardGroup:
    """One technician's (or the unassigned) count of orders due, by route."""

    technician_id: int | None
    label: str
    total: int = 0
    overdue: int = 0
    same_day: int = 0
    routes: list[tuple[int | None, str, int]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return "none" if self.technician_id is None else str(self.technician_id)


def _label(row: Any) -> str:
    if row["technician_id"] is None:
        return "Unassigned"
    full = f"{row['technician__first_name']} {row['technician__last_name']}".strip()
    return full or row["technician__username"]


def board(today: date) -> list[BoardGroup]:
    """Counts per technician and route (one aggregate query), unassigned first.

    The board does not list 2,000 rows at once: a coordinator reads the counts and opens
    one technician's (or route's) orders (``board_rows``)."""
    counts = (
        _board_scope(today)
        .values(
            "technician_id",
            "technician__username",
            "technician__first_name",
            "technician__last_name",
            "route_id",
            "route__code",
        )
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            same_day=Count("pk", filter=Q(priority=Priority.SAME_DAY)),
        )
        .order_by("technician__username", "route__code")
    )
    groups: dict[int | None, BoardGroup] = {}
    for row in counts:
        key = row["technician_id"]
        group = groups.setdefault(key, BoardGroup(technician_id=key, label=_label(row)))
        group.total += row["n"]
        group.overdue += row["overdue"]
        group.same_day += row["same_day"]
        group.routes.append((row["route_id"], row["route__code"] or "No route", row["n"]))
    unassigned = groups.pop(None, None)
    return ([unassigned] if unassigned else []) + list(groups.values())


@dataclass(frozen=True)
class BoardRow:
    """One order on the board, every cell already text (the template only prints)."""

    pk: int
    number: int
    kind: str
    priority: str
    due: str
    overdue: bool
    route: str
    address: str
    account: str
    status: str


def board_rows(
    today: date, *, technician_id: int | None, route_id: int | str | None = "",
    offset: int = 0, limit: int = BOARD_PAGE,
) -> list[BoardRow]:  # fmt: skip
    """One technician's (``None``: unassigned) orders due, optionally of one route (``None``:
    no route; ``""``: every route), a page of them, as plain rows (one query)."""
    found = board_orders(today).filter(technician_id=technician_id)
    if route_id is None:
        found = found.filter(route__isnull=True)
    elif route_id != "":
        found = found.filter(route_id=int(route_id))
    return [_board_row(r, today) for r in found.values(*BOARD_FIELDS)[offset : offset + limit]]


def _board_row(r: dict[str, Any], today: date) -> BoardRow:
    due: date = r["due_on"]
    route = f"{r['route__code']} {r['route_sequence'] or ''}".strip() if r["route__code"] else ""
    account = r["account__number"]
    if r["incoming_account__number"]:
        account = f"{account} → {r['incoming_account__number']}"
    return BoardRow(
        pk=r["pk"], number=r["number"], kind=KIND_LABELS.get(r["kind"], r["kind"]),
        priority=PRIORITY_LABELS.get(r["priority"], ""), due=f"{due:%b} {due.day}",
        overdue=due < today, route=route,
        address=" ".join(p for p in (r["premise__line1"], r["premise__line2"]) if p),
        account=account, status=STATUS_LABELS.get(r["status"], r["status"]),
    )  # fmt: skip


def technicians() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=FIELD_TECHNICIAN).order_by("username")


def my_day(user: User, today: date) -> list[ServiceOrder]:
    """A technician's orders for today (and overdue ones), in route order."""
    return list(
        ServiceOrder.objects.filter(technician=user, status__in=ACTIVE_STATUSES, due_on__lte=today)
        .select_related("premise", "account", "incoming_account", "meter", "route")
        .order_by("route__code", "route_sequence", "priority", "number")
    )


def orders_for_user(user: User) -> QuerySet[ServiceOrder]:
    """Orders a user may open: a technician only their own."""
    orders = ServiceOrder.objects.select_related(
        "account__customer", "incoming_account__customer", "premise", "meter", "new_meter",
        "route", "technician",
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
        ServiceOrder.objects.filter(
            Q(account_id=account_id) | Q(incoming_account_id=account_id),
            status__in=ACTIVE_STATUSES,
        )
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
        .select_related("account__customer", "incoming_account", "premise", "meter", "route")
        .order_by("route__code", "route_sequence", "number")
    )
