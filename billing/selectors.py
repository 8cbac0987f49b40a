"""Reads of billing: rate versions as engine specs, an agreement's determinants for a
period, an account's agreements, meters and last reads, and the exceptions queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import Account

from .choices import BillRunStatus, BillStatus, ExceptionStatus, OneTimeChargeStatus, UsageBasis
from .engine import Block, ComponentSpec, Determinants, Quote, VersionSpec, period_of, quote
from .models import (
    Bill,
    BillRun,
    Meter,
    MeterInstall,
    MeterRead,
    OneTimeCharge,
    RateComponent,
    RateSchedule,
    RateVersion,
    ReadException,
    ReadImport,
    Route,
    RouteStop,
    ServiceAgreement,
)
from .ratefile import DECIMALS, TEXTS, canonical_component, dump
from .readfiles import ROUTE_READ, route_file, route_record
from .reads import Interval, ReadPoint, average_daily_use, intervals, period_consumption


def component_spec(component: RateComponent) -> ComponentSpec:
    return ComponentSpec(
        code=component.code,
        label=component.label,
        kind=component.kind,
        fixed_basis=component.fixed_basis,
        usage_basis=component.usage_basis,
        usage_service=component.usage_service,
        unit_size=component.unit_size,
        unit_label=component.unit_label or "units",
        amount=component.amount,
        blocks=tuple(
            Block(
                Decimal(b["from"]),
                None if b.get("to") in (None, "") else Decimal(b["to"]),
                Decimal(b["price"]),
            )
            for b in component.blocks
        ),
        block_mode=component.block_mode or "each_tier",
        included_units=component.included_units,
        size_prices={size: Decimal(p) for size, p in component.size_prices.items()},
        minimum=component.minimum,
        maximum=component.maximum,
        percent=component.percent,
        percent_of=tuple(component.percent_of),
        winter_months=tuple(int(m) for m in component.winter_months),
        winter_default=component.winter_default,
    )


def version_specs(schedule: RateSchedule) -> list[VersionSpec]:
    """Every version of ``schedule`` as the engine takes them (two queries)."""
    versions = RateVersion.objects.filter(schedule=schedule).prefetch_related("components")
    return [
        VersionSpec(
            v.effective_from,
            v.effective_to,
            tuple(component_spec(c) for c in v.components.all()),
        )
        for v in versions
    ]


def schedules() -> QuerySet[RateSchedule]:
    return RateSchedule.objects.select_related("service").prefetch_related("versions")


def agreements_for_account(account_id: int) -> QuerySet[ServiceAgreement]:
    return ServiceAgreement.objects.filter(account_id=account_id).select_related(
        "service", "rate_schedule", "premise"
    )


def meters_at_premise(premise_id: int, *, on: date | None = None) -> QuerySet[Meter]:
    installs = MeterInstall.objects.filter(premise_id=premise_id)
    if on is None:
        installs = installs.filter(removed_on__isnull=True)
    else:
        installs = installs.filter(installed_on__lte=on).filter(
            Q(removed_on__isnull=True) | Q(removed_on__gte=on)
        )
    return Meter.objects.filter(pk__in=installs.values("meter_id")).select_related("service")


@dataclass(frozen=True)
class MeterSummary:
    meter: Meter
    last_reads: list[MeterRead]


def meter_summaries(premise_id: int, *, reads: int = 3) -> list[MeterSummary]:
    """The premise's meters with their last few reads, newest first."""
    return [
        MeterSummary(
            m, list(MeterRead.objects.filter(meter=m).order_by("-read_date", "-pk")[:reads])
        )
        for m in meters_at_premise(premise_id)
    ]


def read_points(*, premise_id: int, service_id: int, start: date, end: date) -> list[ReadPoint]:
    """Reads of the premise's meters for a service from the last read on or before ``start``
    to ``end``, in read order (a corrected read is replaced by its correction)."""
    reads = (
        MeterRead.objects.filter(premise_id=premise_id, meter__service_id=service_id)
        .filter(read_date__lte=end)
        .exclude(corrections__isnull=False)
        .select_related("meter")
        .order_by("read_date", "pk")
    )
    rows = list(reads)
    before = [r for r in rows if r.read_date <= start]
    keep_from = before[-1].read_date if before else start
    return [_point(r) for r in rows if r.read_date >= keep_from]


def _point(read: MeterRead) -> ReadPoint:
    return ReadPoint(
        read.meter.number, read.read_date, read.reading, read.meter.dials, read.meter.multiplier
    )


def usage_for(*, premise_id: int, service_id: int, start: date, end: date) -> Decimal | None:
    points = read_points(premise_id=premise_id, service_id=service_id, start=start, end=end)
    if len(points) < 2:
        return None
    return period_consumption(points)


def history_intervals(*, premise_id: int, service_id: int, as_of: date) -> list[Interval]:
    points = read_points(
        premise_id=premise_id,
        service_id=service_id,
        start=as_of - timedelta(days=800),
        end=as_of,
    )
    return intervals(points)


def winter_average(
    *, premise_id: int, service_id: int, months: Sequence[int], as_of: date, period_days: int
) -> Decimal | None:
    """Use over ``period_days`` at the average daily use of the latest winter's months
    (intervals ending in those months in the past year), or None without any."""
    history = [
        i
        for i in history_intervals(premise_id=premise_id, service_id=service_id, as_of=as_of)
        if i.end.month in months and (as_of - i.end).days <= 366
    ]
    daily = average_daily_use(history)
    return None if daily is None else daily * period_days


def determinants_for(
    agreement: ServiceAgreement, *, start: date, end: date, usage: Decimal | None = None
) -> Determinants:
    """What ``agreement`` brings to a bill for start..end; ``usage`` overrides the reads
    (the bill calculator's "what would it be at 12,000 gallons")."""
    others = ServiceAgreement.objects.filter(account_id=agreement.account_id).select_related(
        "service"
    )
    by_service: dict[str, Decimal] = {}
    for other in others:
        found = usage_for(
            premise_id=other.premise_id, service_id=other.service_id, start=start, end=end
        )
        if found is not None:
            by_service[other.service.code] = found
    if usage is not None:  # the calculator: every use the schedule reads is ``usage``
        for code in [agreement.service.code, *services_read_by(agreement.rate_schedule_id)]:
            by_service[code] = usage
    own = usage if usage is not None else by_service.get(agreement.service.code)
    return Determinants(
        usage=own,
        usage_by_service=by_service,
        winter_average=_winter_for(agreement, end=end, days=(end - start).days + 1),
        dwelling_units=agreement.dwelling_units,
        meter_size=agreement.meter_size,
        eru=agreement.eru,
        carts=agreement.carts,
        flat_quantity=agreement.flat_quantity,
    )


def services_read_by(schedule_id: int) -> list[str]:
    return list(
        RateComponent.objects.filter(version__schedule_id=schedule_id)
        .exclude(usage_service="")
        .values_list("usage_service", flat=True)
        .distinct()
    )


def _winter_for(agreement: ServiceAgreement, *, end: date, days: int) -> Decimal | None:
    component = (
        RateComponent.objects.filter(
            version__schedule_id=agreement.rate_schedule_id,
            usage_basis=UsageBasis.WINTER_AVERAGE,
        )
        .order_by("-version__effective_from")
        .first()
    )
    if component is None:
        return None
    service_id = agreement.service_id
    if component.usage_service:
        other = (
            ServiceAgreement.objects.filter(
                account_id=agreement.account_id, service__code=component.usage_service
            )
            .values_list("service_id", flat=True)
            .first()
        )
        service_id = other or service_id
    return winter_average(
        premise_id=agreement.premise_id,
        service_id=service_id,
        months=[int(m) for m in component.winter_months],
        as_of=end,
        period_days=days,
    )


def open_exceptions() -> QuerySet[ReadException]:
    return ReadException.objects.filter(status=ExceptionStatus.OPEN).select_related(
        "meter", "account", "read_import"
    )


def bill_runs_in_review() -> QuerySet[BillRun]:
    """Bill runs calculated and waiting for a person to review and post them."""
    return BillRun.objects.filter(status=BillRunStatus.REVIEW).order_by("calculated_at")


def exceptions_for_accounts(account_ids: Iterable[int]) -> QuerySet[ReadException]:
    return open_exceptions().filter(account_id__in=list(account_ids))


def quote_schedule(
    *, schedule: RateSchedule, start: date, days: int, determinants: Determinants
) -> Quote:
    """One service's bill under ``schedule`` for ``days`` from ``start`` (the calculator)."""
    first, last = period_of(start=start, days=days)
    return quote(versions=version_specs(schedule), start=first, end=last, determinants=determinants)


def quote_agreement(
    *, agreement: ServiceAgreement, start: date, days: int, usage: Decimal | None = None
) -> Quote:
    """The bill of ``agreement`` for the period: its determinants, its reads unless
    ``usage`` is given ("what would this bill be at 12,000 gallons?")."""
    first, last = period_of(start=start, days=days)
    determinants = determinants_for(agreement, start=first, end=last, usage=usage)
    return quote(
        versions=version_specs(agreement.rate_schedule),
        start=first,
        end=last,
        determinants=determinants,
    )


def account_panel(account_id: int, premise_id: int) -> dict[str, object]:
    """What the account page shows of billing: agreements, meters and their last reads."""
    return {
        "billing_agreements": list(agreements_for_account(account_id)),
        "billing_meters": meter_summaries(premise_id),
    }


def schedule_as_file(schedule: RateSchedule) -> dict[str, Any]:
    """``schedule`` in the rate file's canonical shape (``billing.ratefile``)."""
    versions = RateVersion.objects.filter(schedule=schedule).prefetch_related("components")
    return {
        "code": schedule.code,
        "name": schedule.name,
        "service": schedule.service.code,
        "description": schedule.description,
        "versions": [
            {
                "effective_from": v.effective_from.isoformat(),
                "effective_to": v.effective_to.isoformat() if v.effective_to else None,
                "note": v.note,
                "components": [
                    canonical_component(_component_fields(c), schedule.code)
                    for c in v.components.all()
                ],
            }
            for v in versions
        ],
    }


def _component_fields(c: RateComponent) -> dict[str, Any]:
    fields = {key: getattr(c, key) for key in ("code", *TEXTS, *DECIMALS)}
    fields.update(
        blocks=c.blocks, size_prices=c.size_prices, percent_of=c.percent_of,
        winter_months=c.winter_months,
    )  # fmt: skip
    return fields


def rate_file_text(codes: Sequence[str] | None = None) -> str:
    """Every schedule (or those named) as a rate file."""
    chosen = schedules().order_by("code")
    if codes:
        chosen = chosen.filter(code__in=codes)
    return dump([schedule_as_file(s) for s in chosen])


def current_schedules(codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    return {s.code: schedule_as_file(s) for s in schedules().filter(code__in=list(codes))}


@dataclass(frozen=True)
class RouteLine:
    sequence: int
    account_number: str
    address: str
    meter: Meter
    last: MeterRead | None


def route_lines(route_id: int) -> list[RouteLine]:
    """A route's meters in read sequence, each with its last read (a few queries)."""
    stops = list(RouteStop.objects.filter(route_id=route_id).select_related("account__premise"))
    installs = MeterInstall.objects.filter(
        premise_id__in=[s.account.premise_id for s in stops], removed_on__isnull=True
    ).select_related("meter")
    meters: dict[int, list[Meter]] = {}
    for install in installs:
        meters.setdefault(install.premise_id, []).append(install.meter)
    last = {
        r.meter_id: r
        for r in MeterRead.objects.filter(meter__in=[m for ms in meters.values() for m in ms])
        .order_by("meter_id", "-read_date", "-pk")
        .distinct("meter_id")
    }
    return [
        RouteLine(s.sequence, s.account.number, s.account.premise.line1, m, last.get(m.pk))
        for s in stops
        for m in sorted(meters.get(s.account.premise_id, []), key=lambda m: m.number)
    ]


def route_download(route: Route) -> str:
    """The handheld download: the route file (docs/read_format.md) with blank readings."""
    records = (
        route_record(type=ROUTE_READ, route=route.code, sequence=f"{line.sequence:05d}",
                     account=line.account_number, meter=line.meter.number)
        for line in route_lines(route.pk)
    )  # fmt: skip
    return route_file(route.code, records)


def bills_for_transactions(transaction_ids: list[int]) -> dict[int, Any]:
    """The bill behind each journal transaction (its charges, or its cancelling reversal)."""
    from .models import Bill

    found = Bill.objects.filter(
        Q(transaction_id__in=transaction_ids) | Q(reversal_id__in=transaction_ids)
    )
    by_txn: dict[int, Any] = {}
    for bill in found:
        for txn_id in (bill.transaction_id, bill.reversal_id):
            if txn_id is not None:
                by_txn[txn_id] = bill
    return by_txn


def accounts_of_import(read_import: ReadImport) -> list[int]:
    """The accounts at the premises of the reads a read file stored (their source names
    the import: ``import <pk> line <n>``)."""
    stored = MeterRead.objects.filter(source__startswith=f"import {read_import.pk} line ")
    premises = stored.values("premise_id")
    return list(Account.objects.filter(premise_id__in=premises).values_list("pk", flat=True))


def one_time_charges_for_bill(bill: Bill) -> QuerySet[OneTimeCharge]:
    """The one-time charges a bill shows: those it carried once posted; for a draft, the
    account's posted charges no bill has shown yet."""
    if bill.status in (BillStatus.POSTED, BillStatus.CANCELLED):
        charges = OneTimeCharge.objects.filter(bill=bill)
    else:
        charges = OneTimeCharge.objects.filter(
            account_id=bill.account_id, status=OneTimeChargeStatus.POSTED, bill__isnull=True
        )
    return charges.select_related("fee").order_by("pk")
