"""Every write to a service order: create, assign (many at once), start, cancel and
complete. Completion locks the order row and refuses an order already completed or
cancelled, so a double submit posts once (the form's one-time token returns the first
result; this lock is the second guard); the effect itself is in ``effects.py``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.choices import AccountStatus
from accounts.models import Account
from billing.models import Meter, MeterInstall, ReadException, RouteStop
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.numbering import next_number, next_numbers
from billing_site.common.roles import FIELD_TECHNICIAN, acting_with, require_perm

from . import effects
from .choices import NEEDS_READING, OrderKind, OrderStatus, Origin, Priority
from .models import ServiceOrder

ADD = "service_orders.add_serviceorder"
DISPATCH = "service_orders.dispatch_serviceorder"
WORK = "service_orders.work_serviceorder"
CANCEL = "service_orders.cancel_serviceorder"
CANCEL_COLLECTIONS = "service_orders.cancel_collections_order"
SEQUENCE = "service_order"
# What the completion effects' own services check. Completing an order implies them for
# that completion only (``roles.acting_with``); the technician role never holds them.
EFFECT_PERMS = (
    "billing.post_billrun",
    "billing.change_serviceagreement",
    "billing.add_meterread",
    "billing.resolve_readexception",
    "billing.add_meterinstall",
    "billing.change_meterinstall",
    "billing.add_onetimecharge",
    "accounts.change_account",
    "ledger.manage_deposits",
    "ledger.post_transaction",
)
COUNTER_KINDS = (OrderKind.START, OrderKind.STOP)
ACTIVE = ("open", "assigned", "in_progress")


def _meter_at(premise_id: int) -> Meter | None:
    install = (
        MeterInstall.objects.filter(premise_id=premise_id, removed_on__isnull=True)
        .select_related("meter")
        .order_by("-installed_on")
        .first()
    )
    return install.meter if install else None


def _route_of(account_id: int) -> tuple[int | None, int | None]:
    stop = RouteStop.objects.filter(account_id=account_id).first()
    return (stop.route_id, stop.sequence) if stop else (None, None)


def _save(order: ServiceOrder, *, acting_user: User, why: str) -> ServiceOrder:
    order._history_user = acting_user  # type: ignore[attr-defined]
    order._change_reason = why[:100]  # type: ignore[attr-defined]
    order.save()
    return order


def _new_order(*, account: Account, kind: str, acting_user: User, **fields: Any) -> ServiceOrder:
    route_id, sequence = _route_of(account.pk)
    today = timezone.localdate()
    order = ServiceOrder(
        account=account, premise_id=account.premise_id, kind=kind, created_by=acting_user,
        meter=fields.pop("meter", None) or _meter_at(account.premise_id), route_id=route_id,
        route_sequence=sequence, requested_on=fields.pop("requested_on", None) or today,
        **fields,
    )  # fmt: skip
    if kind == OrderKind.RECONNECT:
        order.priority = Priority.SAME_DAY  # a reconnect goes out the day it is paid
    if order.due_on is None:
        order.due_on = order.requested_on
    return order


@transaction.atomic
def order_create(
    *,
    account: Account,
    kind: str,
    acting_user: User,
    requested_on: date | None = None,
    due_on: date | None = None,
    priority: str = Priority.NORMAL,
    notes: str = "",
    origin: str = Origin.OFFICE,
    forwarding: dict[str, str] | None = None,
    new_meter: Meter | None = None,
    read_exception: ReadException | None = None,
    meter: Meter | None = None,
    incoming_account: Account | None = None,
) -> ServiceOrder:
    """A new open order for ``account``'s premise, numbered from the gap-free counter."""
    require_perm(acting_user, ADD)
    refuse_card_numbers(notes=notes, **(forwarding or {}))
    if kind not in OrderKind.values:
        raise ValidationError({"kind": "Choose what the order is for."})
    _check_account_for(kind, account)
    fwd = {f"forwarding_{k}": v.strip() for k, v in (forwarding or {}).items()}
    order = _new_order(
        account=account, kind=kind, acting_user=acting_user, requested_on=requested_on,
        due_on=due_on, priority=priority, notes=notes.strip(), origin=origin,
        new_meter=new_meter, read_exception=read_exception, meter=meter,
        incoming_account=incoming_account, **fwd,
    )  # fmt: skip
    if kind in NEEDS_READING and order.meter is None and kind != OrderKind.START:
        raise ValidationError("No meter is installed at this premise.")
    if kind == OrderKind.METER_CHANGE and new_meter is None:
        raise ValidationError({"new_meter": "Say which meter is set in its place."})
    order.number = next_number(SEQUENCE, start=1001)
    order.full_clean()
    return _save(order, acting_user=acting_user, why=f"ordered: {order.get_kind_display()}")


@transaction.atomic
def transfer_create(
    *,
    outgoing: Account,
    incoming: Account,
    on: date,
    forwarding: dict[str, str],
    acting_user: User,
    notes: str = "",
) -> ServiceOrder:
    """A move-out and a move-in at one premise on one date, as one order (one stop for the
    technician): completing it reads the meter once, final-bills ``outgoing`` and starts
    ``incoming`` from that same read, in one transaction (``effects._transfer``)."""
    require_perm(acting_user, ADD)
    if incoming.pk == outgoing.pk:
        raise ValidationError({"incoming": "The incoming account must be another account."})
    if incoming.premise_id != outgoing.premise_id:
        raise ValidationError({"incoming": "The incoming account is at another premise."})
    if incoming.status != AccountStatus.PENDING:
        raise ValidationError({"incoming": "The incoming account must be pending (not started)."})
    busy = ServiceOrder.objects.filter(
        kind__in=(OrderKind.START, OrderKind.TRANSFER), status__in=ACTIVE,
    ).filter(models.Q(account=incoming) | models.Q(incoming_account=incoming))  # fmt: skip
    if busy.exists():
        raise ValidationError({"incoming": "The incoming account already has an open order."})
    order = order_create(
        account=outgoing, kind=OrderKind.TRANSFER, requested_on=on, due_on=on, notes=notes,
        origin=Origin.COUNTER, forwarding=forwarding, acting_user=acting_user,
        incoming_account=incoming,
    )  # fmt: skip
    return order


def _check_account_for(kind: str, account: Account) -> None:
    if account.status == AccountStatus.CLOSED:
        raise ValidationError("The account is closed.")
    if kind == OrderKind.START and account.status != AccountStatus.PENDING:
        raise ValidationError("Service can only be started on a pending account.")
    if kind in (OrderKind.STOP, OrderKind.TRANSFER) and account.status != AccountStatus.ACTIVE:
        raise ValidationError("Service can only be stopped on an active account.")
    one_at_a_time = kind in (OrderKind.START, OrderKind.STOP, OrderKind.DISCONNECT)
    kinds = (
        (OrderKind.STOP, OrderKind.TRANSFER)
        if kind in (OrderKind.STOP, OrderKind.TRANSFER)
        else (kind,)
    )
    if (one_at_a_time or kind == OrderKind.TRANSFER) and ServiceOrder.objects.filter(
        account=account, kind__in=kinds, status__in=("open", "assigned", "in_progress")
    ).exists():
        raise ValidationError("The account already has an open order of this kind.")


def _account_for_exception(exception: ReadException) -> Account | None:
    if exception.account_id:
        return Account.objects.get(pk=exception.account_id)
    premise_id = exception.premise_id
    if premise_id is None and exception.meter_id:
        install = MeterInstall.objects.filter(meter_id=exception.meter_id, removed_on__isnull=True)
        premise_id = install.values_list("premise_id", flat=True).first()
    if premise_id is None:
        return None
    found = Account.objects.filter(premise_id=premise_id, status=AccountStatus.ACTIVE)
    return found.order_by("pk").first()


@transaction.atomic
def reread_order_from_exception(*, exception: ReadException, acting_user: User) -> ServiceOrder:
    """A re-read order for a read that failed its checks; completing it sends the new
    reading through the checks and resolves the exception (``effects._reread``)."""
    require_perm(acting_user, ADD)
    locked = ReadException.objects.select_for_update().get(pk=exception.pk)
    if locked.status != "open":
        raise ValidationError("This read exception is already resolved.")
    if locked.meter_id is None:
        raise ValidationError("No meter has this number: a re-read needs a known meter.")
    out = ServiceOrder.objects.filter(
        read_exception=locked, status__in=("open", "assigned", "in_progress")
    ).first()
    if out is not None:
        raise ValidationError(f"Re-read order {out.number} is already out for this read.")
    account = _account_for_exception(locked)
    if account is None:
        raise ValidationError("No active account at the meter's premise to order a re-read on.")
    return order_create(
        account=account, kind=OrderKind.REREAD, origin=Origin.READ_EXCEPTION,
        read_exception=locked, acting_user=acting_user, meter=locked.meter,
        notes=f"Re-read: {locked.get_rule_display()}: {locked.message}"[:500],
    )  # fmt: skip


@dataclass(frozen=True)
class DisconnectPlan:
    """What a disconnect list would make: accounts to order, refused (why), already open."""

    todo: list[Account]
    refused: dict[int, str]
    open_already: set[int]
    numbers: dict[int, str]  # account id -> account number, for the messages


def disconnect_plan(account_ids: Sequence[int]) -> DisconnectPlan:
    """A read: which of ``account_ids`` get a disconnect order now, and why not the rest
    (paid, on a plan, flagged; or an open disconnect already). Fixed number of queries."""
    accounts = list(Account.objects.filter(pk__in=account_ids).select_related("customer"))
    refused = effects.disconnect_refusals(accounts, on=timezone.localdate())
    open_already = set(
        ServiceOrder.objects.filter(
            account_id__in=account_ids, kind=OrderKind.DISCONNECT,
            status__in=("open", "assigned", "in_progress"),
        ).values_list("account_id", flat=True)
    )  # fmt: skip
    todo = [a for a in accounts if a.pk not in refused and a.pk not in open_already]
    numbers = {a.pk: a.number for a in accounts}
    return DisconnectPlan(todo, refused, open_already, numbers)


@transaction.atomic
def disconnect_orders_create(
    *, account_ids: Sequence[int], due_on: date, acting_user: User
) -> list[ServiceOrder]:
    """Disconnect orders for the accounts of a collections disconnect list (one query per
    step, not per account): accounts refused (paid, on a plan, flagged) are left out."""
    return disconnect_orders_from_list(
        account_ids=account_ids, due_on=due_on, acting_user=acting_user
    )[0]


@transaction.atomic
def disconnect_orders_from_list(
    *, account_ids: Sequence[int], due_on: date, acting_user: User
) -> tuple[list[ServiceOrder], DisconnectPlan]:
    """The orders made and the plan they came from (its refusals and open orders)."""
    require_perm(acting_user, ADD)
    # Lock the accounts: two coordinators pressing the button at once make one order each.
    list(Account.objects.select_for_update().filter(pk__in=account_ids).values_list("pk"))
    plan = disconnect_plan(account_ids)
    todo = plan.todo
    if not todo:
        return [], plan
    numbers = iter(next_numbers(SEQUENCE, len(todo), start=1001))
    meters = {i.premise_id: i.meter_id for i in MeterInstall.objects.filter(
        premise_id__in=[a.premise_id for a in todo], removed_on__isnull=True)}  # fmt: skip
    stops = {s.account_id: s for s in RouteStop.objects.filter(account__in=todo)}
    orders = [_disconnect_order(a, next(numbers), meters, stops, due_on, acting_user) for a in todo]
    ServiceOrder.objects.bulk_create(orders)
    ServiceOrder.history.bulk_history_create(  # type: ignore[attr-defined]
        orders, default_user=acting_user, default_change_reason="ordered from disconnect list"
    )
    return orders, plan


def _disconnect_order(
    account: Account,
    number: int,
    meters: dict[int, int],
    stops: dict[int, RouteStop],
    due_on: date,
    user: User,
) -> ServiceOrder:
    stop = stops.get(account.pk)
    today = timezone.localdate()
    return ServiceOrder(
        number=number, kind=OrderKind.DISCONNECT, origin=Origin.COLLECTIONS, account=account,
        premise_id=account.premise_id, meter_id=meters.get(account.premise_id),
        route_id=stop.route_id if stop else None, route_sequence=stop.sequence if stop else None,
        requested_on=today, due_on=max(due_on, today), created_by=user,
    )  # fmt: skip


def _locked(order: ServiceOrder) -> ServiceOrder:
    return ServiceOrder.objects.select_for_update().get(pk=order.pk)


def _is_technician(user: User) -> bool:
    return user.is_active and user.groups.filter(name=FIELD_TECHNICIAN).exists()


@transaction.atomic
def orders_assign(
    *, orders: Sequence[ServiceOrder], technician: User, acting_user: User
) -> list[ServiceOrder]:
    """Give many orders to one technician (or move them to another); history names both."""
    require_perm(acting_user, DISPATCH)
    if not _is_technician(technician):
        raise ValidationError({"technician": "Choose an active field technician."})
    locked = list(ServiceOrder.objects.select_for_update().filter(pk__in=[o.pk for o in orders]))
    done = [o for o in locked if not o.is_active]
    if done:
        raise ValidationError(f"Order {done[0].number} is {done[0].get_status_display().lower()}.")
    for order in locked:
        before = order.technician.get_username() if order.technician else ""
        order.technician = technician
        if order.status == OrderStatus.OPEN:
            order.status = OrderStatus.ASSIGNED
        why = f"reassigned from {before} to {technician.get_username()}" if before else (
            f"assigned to {technician.get_username()}"
        )  # fmt: skip
        _save(order, acting_user=acting_user, why=why)
    return locked


def _check_own(order: ServiceOrder, user: User) -> None:
    if order.technician_id != user.pk and not user.has_perm(DISPATCH):
        raise PermissionDenied("This order is another technician's.")


@transaction.atomic
def order_start(*, order: ServiceOrder, acting_user: User) -> ServiceOrder:
    """The technician is on the way or on site."""
    require_perm(acting_user, WORK)
    locked = _locked(order)
    _check_own(locked, acting_user)
    if locked.status != OrderStatus.ASSIGNED:
        raise ValidationError(f"An order that is {locked.get_status_display().lower()} "
                              "cannot be started.")  # fmt: skip
    locked.status = OrderStatus.IN_PROGRESS
    return _save(locked, acting_user=acting_user, why="started")


@transaction.atomic
def order_cancel(*, order: ServiceOrder, reason: str, acting_user: User) -> ServiceOrder:
    """Cancel with a reason; a disconnect collections ordered needs a coordinator."""
    require_perm(acting_user, CANCEL)
    refuse_card_numbers(reason=reason)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the order is cancelled."})
    locked = _locked(order)
    if locked.origin == Origin.COLLECTIONS and not acting_user.has_perm(CANCEL_COLLECTIONS):
        raise PermissionDenied("A disconnect ordered by collections is cancelled by a coordinator.")
    if not locked.is_active:
        raise ValidationError(f"The order is already {locked.get_status_display().lower()}.")
    locked.status = OrderStatus.CANCELLED
    locked.cancel_reason = reason.strip()[:300]
    locked.cancelled_by, locked.cancelled_at = acting_user, timezone.now()
    return _save(locked, acting_user=acting_user, why=f"cancelled: {reason.strip()}")


@transaction.atomic
def order_complete(
    *,
    order: ServiceOrder,
    acting_user: User,
    result_code: str,
    notes: str = "",
    reading: Decimal | None = None,
    new_reading: Decimal | None = None,
    accuracy: tuple[Decimal, Decimal, Decimal] | None = None,
) -> ServiceOrder:
    """Record what was done and do the order's effect on the account, once."""
    require_perm(acting_user, WORK)
    refuse_card_numbers(notes=notes)
    locked = _locked(order)
    _check_own(locked, acting_user)
    if locked.status == OrderStatus.COMPLETED:
        raise ValidationError("This order was already completed.")
    if locked.status == OrderStatus.CANCELLED:
        raise ValidationError("A cancelled order cannot be completed.")
    locked.result_code, locked.result_notes = result_code, notes.strip()
    locked.reading, locked.new_reading = reading, new_reading  # type: ignore[assignment]
    if accuracy is not None:
        locked.accuracy_low, locked.accuracy_medium, locked.accuracy_high = accuracy
    with acting_with(acting_user, EFFECT_PERMS):
        outcome, follow_up = effects.complete(order=locked, acting_user=acting_user)
    if follow_up is not None:
        later = follow_up_create(of=locked, kind=follow_up, notes=outcome, acting_user=acting_user)
        outcome += f" Order {later.number} ({later.get_kind_display().lower()}) created."
    locked.outcome = outcome[:300]
    locked.status = OrderStatus.COMPLETED
    locked.completed_by, locked.completed_at = acting_user, timezone.now()
    return _save(locked, acting_user=acting_user, why=f"completed: {locked.outcome}")


def follow_up_create(*, of: ServiceOrder, kind: str, notes: str, acting_user: User) -> ServiceOrder:
    """An order a completion calls for (a meter change after a failed test)."""
    order = _new_order(
        account=of.account, kind=kind, acting_user=acting_user, meter=of.meter, notes=notes,
        due_on=None, follow_up_of=of, priority=Priority.HIGH,
    )  # fmt: skip
    order.number = next_number(SEQUENCE, start=1001)
    order.full_clean(exclude=["new_meter"])
    return _save(order, acting_user=acting_user, why=f"follow-up of order {of.number}")
