"""The demo's field work: a morning's worth of service orders for the demo technician
(assigned, one in progress, two completed) and a few waiting on the dispatch board,
on demo accounts with meters. Cheap: a dozen orders through the service-order services,
no bill runs; completed ones are a delivered notice and an investigation (notes only).
Skipped when the demo already has service orders (the seeder runs again safely)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts.choices import AccountStatus
from accounts.models import Account
from billing.models import MeterInstall
from service_orders import services
from service_orders.models import ServiceOrder

ASSIGNED = ["meter_test", "investigate", "reread", "notice", "investigate", "meter_test"]
WAITING = ["investigate", "notice", "reread"]
DONE = [
    ("notice", "delivered", "Door hanger left at the front door."),
    ("investigate", "no_leak", "Checked the meter box and the service line: no leak."),
]


@transaction.atomic
def seed_service_orders(*, coordinator: User, technician: User) -> int:
    """Demo orders for ``technician``; returns how many were made (0: already there)."""
    if ServiceOrder.objects.exists():
        return 0
    metered = MeterInstall.objects.filter(removed_on__isnull=True).values("premise_id")
    accounts = list(
        Account.objects.filter(status=AccountStatus.ACTIVE, premise_id__in=metered).order_by(
            "number"
        )[: len(ASSIGNED) + len(WAITING) + len(DONE) + 2]
    )
    if not accounts:
        return 0
    pool = iter(accounts)
    made = [_order(next(pool, None), kind, coordinator) for kind in ASSIGNED + WAITING]
    made = [o for o in made if o is not None]
    mine = made[: len(ASSIGNED)]
    if mine:
        services.orders_assign(orders=mine, technician=technician, acting_user=coordinator)
        services.order_start(order=mine[0], acting_user=technician)
    for kind, code, notes in DONE:
        order = _order(next(pool, None), kind, coordinator)
        if order is None:
            continue
        services.orders_assign(orders=[order], technician=technician, acting_user=coordinator)
        order = services.order_start(order=order, acting_user=technician)
        services.order_complete(order=order, result_code=code, notes=notes, acting_user=technician)
        made.append(order)
    owing = list(
        Account.objects.filter(status=AccountStatus.ACTIVE, balance__gt=50)
        .exclude(pk__in=[a.pk for a in accounts])
        .order_by("-balance")
        .values_list("pk", flat=True)[:2]
    )
    made += services.disconnect_orders_create(
        account_ids=owing, due_on=timezone.localdate(), acting_user=coordinator
    )
    return len(made)


def _order(account: Account | None, kind: str, coordinator: User) -> ServiceOrder | None:
    if account is None:
        return None
    return services.order_create(
        account=account, kind=kind, acting_user=coordinator,
        notes="Customer asked for a morning visit." if kind == "investigate" else "",
    )  # fmt: skip
