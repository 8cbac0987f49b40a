"""Billing's part of the demo data (called by ``manage.py seed_demo``): the rate
schedules of ``billing/fixtures/rates_demo.json`` (through the rate-file services, as
an administrator would load them), four cycles with a route each, and for every
active account without agreements: water, sewer, stormwater and solid-waste
agreements, a water meter on its cycle's route and a year of monthly reads with
seasonal use. Bulk inserts (history rows included), so ``make run`` stays quick;
safe to run twice (accounts that have agreements are left alone)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.choices import AccountStatus
from accounts.models import Account

from .choices import ReadKind
from .models import (
    BillingCycle,
    Meter,
    MeterInstall,
    MeterRead,
    RateSchedule,
    Route,
    RouteStop,
    ServiceAgreement,
)
from .services.rates import rate_file_apply, rate_file_preview
from .services.reads import READ_COLUMNS, copy_rows

RATES = Path(__file__).resolve().parent / "fixtures" / "rates_demo.json"
CYCLES = ((1, 5), (2, 12), (3, 19), (4, 26))  # cycle number, read day
SCHEDULES = {"WATER": "W-RES", "SEWER": "S-RES", "STORM": "STORM", "TRASH": "TRASH"}
# Seasonal factor on a household's daily use, January first.
SEASON = (0.85, 0.8, 0.85, 0.95, 1.05, 1.25, 1.4, 1.35, 1.15, 1.0, 0.9, 0.85)


def seed_billing(
    *,
    admin: User,
    coordinator: User,
    seed: int = 11,
    service_dates: dict[int, tuple[date, date | None]] | None = None,
) -> int:
    """Load the demo's billing data; returns how many accounts were given service.

    Without ``service_dates``: every active account without agreements, from
    October 2025, with a year of reads up to today. With it (the demo year of
    ``seed_demo``): those accounts, each from its start to its end date (a mover's
    final bill), and no reads: :func:`cycle_reads` imports each month's on its day.
    """
    _rates(admin)
    routes = _routes()
    with transaction.atomic():
        return _services(coordinator, routes, random.Random(seed), service_dates)


def _rates(admin: User) -> None:
    if RateSchedule.objects.filter(code__in=SCHEDULES.values()).count() == len(SCHEDULES):
        return
    text = RATES.read_text()
    preview = rate_file_preview(text=text, acting_user=admin)
    rate_file_apply(text=text, confirmed_digest=preview.digest, acting_user=admin)


def _routes() -> list[Route]:
    routes = []
    for number, read_day in CYCLES:
        cycle, _ = BillingCycle.objects.get_or_create(
            code=f"C{number}", defaults={"name": f"Cycle {number}", "read_day": read_day}
        )
        route, _ = Route.objects.get_or_create(
            code=f"R{number}", defaults={"name": f"Route {number}", "cycle": cycle}
        )
        routes.append(route)
    return routes


def _services(
    coordinator: User,
    routes: list[Route],
    rng: random.Random,
    dates: dict[int, tuple[date, date | None]] | None,
) -> int:
    todo = Account.objects.filter(service_agreements__isnull=True).order_by("pk")
    if dates is None:
        todo = todo.filter(status=AccountStatus.ACTIVE)
    else:
        todo = todo.filter(pk__in=list(dates))
    accounts = list(todo.values_list("pk", "premise_id", "number", "start_date"))
    if not accounts:
        return 0
    schedules = {s.service.code: s for s in RateSchedule.objects.select_related("service")}
    start = date(2025, 10, 1)
    span = dates or {pk: (max(start, opened), None) for pk, _, _, opened in accounts}
    agreements = [
        ServiceAgreement(
            account_id=pk, premise_id=premise_id, service_id=schedules[code].service_id,
            rate_schedule=schedules[code], start_date=span[pk][0], end_date=span[pk][1],
            meter_size="5/8", eru=Decimal("1.0") if code == "STORM" else None,
            carts=1 if code == "TRASH" else None,
        )
        for pk, premise_id, _, opened in accounts
        for code in SCHEDULES
    ]  # fmt: skip
    bulk_create_with_history(
        agreements, ServiceAgreement, batch_size=2000,
        default_user=coordinator, default_change_reason="demo data",
    )  # fmt: skip
    meters = Meter.objects.bulk_create(
        (Meter(number=f"W{number}", make="Neptune", size="5/8", dials=6,
               service_id=schedules["WATER"].service_id) for _, _, number, _ in accounts),
        batch_size=2000,
    )  # fmt: skip
    MeterInstall.objects.bulk_create(
        (MeterInstall(meter=m, premise_id=a[1], installed_on=span[a[0]][0] - timedelta(days=30),
                      removed_on=span[a[0]][1])
         for m, a in zip(meters, accounts, strict=True)),
        batch_size=2000,
    )  # fmt: skip
    last = dict(RouteStop.objects.values_list("route_id").annotate(top=Max("sequence")))
    stops = [
        RouteStop(
            route=routes[n % len(routes)],
            account_id=a[0],
            sequence=last.get(routes[n % len(routes)].pk, 0) + 10 * (n // len(routes) + 1),
        )
        for n, a in enumerate(accounts)
    ]
    bulk_create_with_history(
        stops, RouteStop, batch_size=2000, default_user=coordinator,
        default_change_reason="demo data",
    )  # fmt: skip
    if dates is None:
        copy_rows(
            "billing_meterread", READ_COLUMNS, _reads(meters, accounts, routes, coordinator, rng)
        )
    return len(accounts)


def cycle_reads(
    *,
    cycle: BillingCycle,
    previous: date,
    read_date: date,
    coordinator: User,
    skip: frozenset[int] = frozenset(),
    initial_only: bool = False,
) -> int:
    """The cycle's water reads for ``read_date`` (the reader's file of the day), as COPY.

    Each meter whose water agreement is active after ``previous`` gets its read:
    on ``read_date``, or a final read on the agreement's end date; a meter without
    reads first gets its initial read (at ``previous``, or the day before its
    agreement starts). Use is seasonal (``SEASON``) around a daily use fixed per
    meter. Accounts in ``skip`` get no read this time (the reader could not get in:
    the bill is estimated). ``initial_only``: the year's first reads (at ``read_date``,
    nothing else). Returns how many reads were stored.
    """
    agreements = list(
        ServiceAgreement.objects.filter(
            service__code="WATER", account__route_stop__route__cycle=cycle,
            start_date__lte=read_date,
        )
        .exclude(end_date__lte=previous)
        .values_list("account_id", "premise_id", "start_date", "end_date", "account__number")
    )  # fmt: skip
    meters = dict(Meter.objects.filter(number__in=[f"W{a[4]}" for a in agreements])
                  .values_list("number", "pk"))  # fmt: skip
    last = {
        meter_id: (day, reading)
        for meter_id, day, reading in MeterRead.objects.filter(meter_id__in=meters.values())
        .order_by("meter_id", "-read_date", "-pk")
        .distinct("meter_id")
        .values_list("meter_id", "read_date", "reading")
    }
    rows = []
    for account_id, premise_id, start, end, number in agreements:
        meter_id = meters[f"W{number}"]
        rng = random.Random(meter_id)
        daily = rng.uniform(80, 260)  # gallons a day, this household's habit
        if meter_id not in last:
            first = max(previous, start - timedelta(days=1))
            last[meter_id] = (first, Decimal(rng.randint(1_000, 90_000)))
            rows.append((meter_id, premise_id, first, last[meter_id][1], ReadKind.INITIAL,
                         "01", "demo route file", coordinator.pk, "", None))  # fmt: skip
        if account_id in skip or initial_only:
            continue
        on, kind = (
            (end, ReadKind.FINAL) if end and end <= read_date else (read_date, ReadKind.ACTUAL)
        )
        before, reading = last[meter_id]
        if on <= before:
            continue
        use = daily * SEASON[on.month - 1] * (on - before).days * random.Random(
            f"{meter_id}-{on}").uniform(0.9, 1.1)  # fmt: skip
        reading = (reading + Decimal(int(use))) % Decimal(10**6)
        rows.append((meter_id, premise_id, on, reading, kind, "01", "demo route file",
                     coordinator.pk, "", None))  # fmt: skip
    copy_rows("billing_meterread", READ_COLUMNS, rows)
    return len(rows)


def _reads(meters, accounts, routes, coordinator, rng):  # type: ignore[no-untyped-def]
    """A year of monthly reads per meter, on its cycle's read day, with seasonal use."""
    today = timezone.localdate()
    read_days = {route.pk: route.cycle.read_day for route in routes}
    for n, (meter, account) in enumerate(zip(meters, accounts, strict=True)):
        read_day = read_days[routes[n % len(routes)].pk]
        daily = rng.uniform(80, 260)  # gallons a day
        reading = Decimal(rng.randint(1_000, 90_000))
        day = date(today.year - 1, today.month, read_day)
        yield _row(meter, account, day - timedelta(days=31), reading, ReadKind.INITIAL, coordinator)
        previous = day - timedelta(days=31)
        while day <= today:
            use = daily * SEASON[day.month - 1] * (day - previous).days * rng.uniform(0.9, 1.1)
            reading = (reading + Decimal(int(use))) % Decimal(10**6)
            yield _row(meter, account, day, reading, ReadKind.ACTUAL, coordinator)
            previous = day
            day = date(day.year + day.month // 12, day.month % 12 + 1, read_day)


def _row(meter, account, day, reading, kind, user):  # type: ignore[no-untyped-def]
    return (meter.pk, account[1], day, reading, kind, "01", "demo data", user.pk, "", None)


def cycle_reads_done(*, cycle: BillingCycle, read_date: date) -> bool:
    """True once :func:`cycle_reads` stored the cycle's reads of ``read_date``."""
    return MeterRead.objects.filter(
        read_date=read_date, source="demo route file",
        premise_id__in=RouteStop.objects.filter(route__cycle=cycle).values("account__premise_id"),
    ).exists()  # fmt: skip


def late_read(*, account_id: int, read_date: date, coordinator: User) -> None:
    """The actual read of a meter the reader missed on ``read_date``, arriving later."""
    agreement = ServiceAgreement.objects.select_related("account").get(
        account_id=account_id, service__code="WATER"
    )
    meter = Meter.objects.get(number=f"W{agreement.account.number}")
    before = MeterRead.objects.filter(meter=meter).order_by("-read_date", "-pk").first()
    assert before is not None and before.read_date < read_date
    daily = random.Random(meter.pk).uniform(80, 260)
    use = daily * SEASON[read_date.month - 1] * (read_date - before.read_date).days
    reading = (before.reading + Decimal(int(use))) % Decimal(10**6)
    row = (meter.pk, agreement.premise_id, read_date, reading, ReadKind.ACTUAL, "01",
           "demo: read taken on a second visit", coordinator.pk, "", None)  # fmt: skip
    copy_rows("billing_meterread", READ_COLUMNS, [row])
