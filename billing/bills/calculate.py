"""Draft bills for a set of accounts and a period, from their agreements, reads and rates.

Set-based: :func:`draft_bills` loads what a chunk of accounts needs in a handful of
queries (:class:`ChunkData`: every agreement of the accounts, the rate versions of
their schedules, the reads of their premises), then prices each account in memory.
The query count does not grow with the number of accounts or agreements.

* **Lines.** One line per rate component per service, priced by the rate engine
  (``billing.engine.quote``) exactly as the bill calculator prices it.
* **Period.** The run's period, cut to the agreement's start and end dates (a first
  or final bill covers only the days of service, and is marked first/final); its
  fixed charges are prorated to the days of service (``quote``'s ``cycle_days``).
* **Use.** As ``billing.selectors.usage_for``: the reads of the premise's meters for
  the service from the last read on or before the start to the end (a corrected read
  replaced by its correction), across meter changes.
* **Estimates.** Where the period has no closing read, the use is estimated from the
  meter's average daily use over its last twelve intervals times the period's days
  (``billing.reads.average_daily_use``); the line and bill are marked estimated.
  Nothing is stored as a read: a later actual read simply replaces the estimate at
  the next calculation (recorded decision: calculating never writes reads).
* **History window.** Reads older than :data:`HISTORY_DAYS` before the period's end
  are not loaded: estimates and winter averages look back 800 days, plus the read
  before that window's start (exact for any meter read at least once a year).
* **Errors.** An account that cannot be billed (no agreement in the period, no read
  and no history to estimate from, a missing determinant, a rate gap) gets
  :class:`CannotBill` with the reason instead of a draft; the run records it and
  goes on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from ledger.models import Service

from ..choices import UsageBasis
from ..engine import Determinants, RateRefused, VersionSpec, quote
from ..models import MeterRead, RateVersion, ServiceAgreement
from ..reads import Interval, ReadPoint, average_daily_use, intervals, period_consumption
from ..selectors import component_spec

HISTORY_DAYS = 800 + 400


class CannotBill(Exception):
    """The account cannot be billed for the period; the message says why, in plain words."""


@dataclass(frozen=True)
class DraftLine:
    service_id: int
    code: str
    label: str
    amount: Decimal
    arithmetic: str
    usage: Decimal | None
    estimated: bool


@dataclass(frozen=True)
class Draft:
    lines: tuple[DraftLine, ...]
    estimated: bool
    first_bill: bool
    final_bill: bool

    @property
    def new_charges(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


# -- loading a chunk ----------------------------------------------------------------


class Agreement(NamedTuple):
    """What pricing reads of a service agreement (a chunk's 2,000 agreements as plain rows:
    model instances with their service and schedule were a third of a chunk's loading)."""

    pk: int
    account_id: int
    premise_id: int
    service_id: int
    rate_schedule_id: int
    start_date: date
    end_date: date | None
    dwelling_units: int
    meter_size: str
    eru: Decimal | None
    carts: int | None
    flat_quantity: Decimal | None
    service: Service


AGREEMENT_COLUMNS = Agreement._fields[:-1]


@dataclass
class ChunkData:
    """Everything the accounts of a chunk need to be priced, loaded in a few queries."""

    start: date
    end: date
    agreements: dict[int, list[Agreement]] = field(default_factory=dict)
    versions: dict[int, list[VersionSpec]] = field(default_factory=dict)
    # (premise, service) -> reads in read order, corrected reads left out
    reads: dict[tuple[int, int], list[tuple[date, ReadPoint]]] = field(default_factory=dict)

    @classmethod
    def load(cls, account_ids: Sequence[int], start: date, end: date) -> ChunkData:
        data = cls(start, end)
        rows = (
            ServiceAgreement.objects.filter(account_id__any=account_ids)
            .order_by("account_id", "service__payment_order", "pk")
            .values_list(*AGREEMENT_COLUMNS)
        )
        found = list(rows)
        services = Service.objects.in_bulk({row[3] for row in found})  # a handful
        by_account: dict[int, list[Agreement]] = defaultdict(list)
        for row in found:
            agreement = Agreement(*row, service=services[row[3]])
            by_account[agreement.account_id].append(agreement)
        data.agreements = dict(by_account)
        everyone = [a for group in by_account.values() for a in group]
        data.versions = _versions({a.rate_schedule_id for a in everyone})
        data.reads = _reads({a.premise_id for a in everyone}, end)
        return data

    def points(self, premise_id: int, service_id: int, start: date, end: date) -> list[ReadPoint]:
        """As ``selectors.read_points``: from the last read on or before ``start`` to ``end``."""
        rows = [p for p in self.reads.get((premise_id, service_id), ()) if p[0] <= end]
        before = [day for day, _point in rows if day <= start]
        keep_from = before[-1] if before else start
        return [point for day, point in rows if day >= keep_from]

    def usage(self, premise_id: int, service_id: int, start: date, end: date) -> Decimal | None:
        points = self.points(premise_id, service_id, start, end)
        return period_consumption(points) if len(points) >= 2 else None

    def history(self, premise_id: int, service_id: int, as_of: date) -> list[Interval]:
        return intervals(self.points(premise_id, service_id, as_of - timedelta(days=800), as_of))


def _versions(schedule_ids: set[int]) -> dict[int, list[VersionSpec]]:
    found: dict[int, list[VersionSpec]] = defaultdict(list)
    versions = RateVersion.objects.filter(schedule_id__in=schedule_ids).prefetch_related(
        "components"
    )
    for v in versions:
        components = tuple(component_spec(c) for c in v.components.all())
        found[v.schedule_id].append(VersionSpec(v.effective_from, v.effective_to, components))
    return dict(found)


def _reads(premise_ids: set[int], end: date) -> dict[tuple[int, int], list[tuple[date, ReadPoint]]]:
    rows = (
        MeterRead.objects.filter(
            premise_id__any=premise_ids,
            read_date__lte=end,
            read_date__gte=end - timedelta(days=HISTORY_DAYS),
        )
        .exclude(corrections__isnull=False)
        .order_by("read_date", "pk")
        .values_list(
            "premise_id", "meter__service_id", "meter__number", "read_date", "reading",
            "meter__dials", "meter__multiplier",
        )
    )  # fmt: skip
    found: dict[tuple[int, int], list[tuple[date, ReadPoint]]] = defaultdict(list)
    for premise_id, service_id, number, day, reading, dials, multiplier in rows:
        found[premise_id, service_id].append(
            (day, ReadPoint(number, day, reading, dials, multiplier))
        )
    return dict(found)


# -- pricing ------------------------------------------------------------------------


def draft_bills(
    account_ids: Sequence[int], *, start: date, end: date
) -> dict[int, Draft | CannotBill]:
    """Per account: its draft bill for ``start``..``end``, or why it cannot be billed."""
    data = ChunkData.load(account_ids, start, end)
    found: dict[int, Draft | CannotBill] = {}
    for account_id in account_ids:
        try:
            found[account_id] = _draft(data, data.agreements.get(account_id, []))
        except CannotBill as refused:
            found[account_id] = refused
    return found


def draft_bill(*, account_id: int, start: date, end: date) -> Draft:
    """The draft bill of ``account_id`` for ``start``..``end``; raises :class:`CannotBill`."""
    result = draft_bills([account_id], start=start, end=end)[account_id]
    if isinstance(result, CannotBill):
        raise result
    return result


def _draft(data: ChunkData, agreements: list[Agreement]) -> Draft:
    start, end = data.start, data.end
    active = [
        a for a in agreements if a.start_date <= end and not (a.end_date and a.end_date < start)
    ]
    if not active:
        raise CannotBill("No service agreement is active in the period.")
    lines: list[DraftLine] = []
    first = final = False
    for agreement in active:
        seg_start = max(start, agreement.start_date)
        seg_end = min(end, agreement.end_date or end)
        first = first or seg_start > start
        final = final or seg_end < end
        cycle_days = (end - start).days + 1 if (seg_start, seg_end) != (start, end) else None
        lines.extend(_agreement_lines(data, agreement, agreements, seg_start, seg_end, cycle_days))
    return Draft(tuple(lines), any(line.estimated for line in lines), first, final)


def _agreement_lines(
    data: ChunkData,
    agreement: Agreement,
    siblings: list[Agreement],
    start: date,
    end: date,
    cycle_days: int | None = None,
) -> list[DraftLine]:
    det, estimated = _determinants(data, agreement, siblings, start, end)
    try:
        priced = quote(
            versions=data.versions.get(agreement.rate_schedule_id, []),
            start=start,
            end=end,
            determinants=det,
            cycle_days=cycle_days,
        )
    except RateRefused as refused:
        raise CannotBill(f"{agreement.service.name}: {refused}") from None
    return [
        DraftLine(
            agreement.service_id,
            line.code,
            line.label,
            line.amount,
            line.arithmetic,
            det.usage,
            estimated,
        )
        for line in priced.lines
    ]


def _determinants(
    data: ChunkData,
    agreement: Agreement,
    siblings: list[Agreement],
    start: date,
    end: date,
) -> tuple[Determinants, bool]:
    """As ``selectors.determinants_for`` for the agreement's part of the period, with an
    estimate wherever a metered service has no closing read: the agreement's own use
    and a use another line is computed on (sewer on the water use) alike. Estimated:
    whether any use this agreement's lines read was."""
    by_service: dict[str, Decimal] = {}
    guessed: set[str] = set()
    for other in siblings:
        found, estimated = _use(data, other, start, end)
        if found is not None:
            by_service[other.service.code] = found
            if estimated:
                guessed.add(other.service.code)
    code = agreement.service.code
    det = Determinants(
        usage=by_service.get(code),
        usage_by_service=by_service,
        winter_average=_winter_average(data, agreement, siblings, end, (end - start).days + 1),
        dwelling_units=agreement.dwelling_units,
        meter_size=agreement.meter_size,
        eru=agreement.eru,
        carts=agreement.carts,
        flat_quantity=agreement.flat_quantity,
    )
    read = {code} | {
        c.usage_service
        for v in data.versions.get(agreement.rate_schedule_id, [])
        for c in v.components
        if c.usage_service
    }
    return det, bool(read & guessed)


def _use(
    data: ChunkData, agreement: Agreement, start: date, end: date
) -> tuple[Decimal | None, bool]:
    """The service's use from its reads, else the estimate (True), else None."""
    found = data.usage(agreement.premise_id, agreement.service_id, start, end)
    if found is not None:
        return found, False
    history = data.history(agreement.premise_id, agreement.service_id, end)
    daily = average_daily_use(history[-12:])
    if daily is None:
        return None, False  # the engine refuses a metered line without use: the reason
    return (daily * ((end - start).days + 1)).quantize(Decimal("0.01")), True


def _winter_average(
    data: ChunkData,
    agreement: Agreement,
    siblings: list[Agreement],
    end: date,
    days: int,
) -> Decimal | None:
    """As ``selectors.winter_average`` for the schedule's latest winter-average component."""
    versions = sorted(
        data.versions.get(agreement.rate_schedule_id, []),
        key=lambda v: v.effective_from,
        reverse=True,
    )
    component = next(
        (c for v in versions for c in v.components if c.usage_basis == UsageBasis.WINTER_AVERAGE),
        None,
    )
    if component is None:
        return None
    service_id = agreement.service_id
    if component.usage_service:
        other = next((s for s in siblings if s.service.code == component.usage_service), None)
        service_id = other.service_id if other else service_id
    history = [
        i
        for i in data.history(agreement.premise_id, service_id, end)
        if i.end.month in component.winter_months and (end - i.end).days <= 366
    ]
    daily = average_daily_use(history)
    return None if daily is None else daily * days
