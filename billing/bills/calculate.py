"""One account's draft bill for a period, from its agreements, reads and rates.

* **Lines.** One line per rate component per service, priced by the rate engine
  (``billing.engine.quote``) exactly as the bill calculator prices it.
* **Period.** The run's period, cut to the agreement's start and end dates (a first
  or final bill covers only the days of service, and is marked first/final); its
  fixed charges are prorated to the days of service (``quote``'s ``cycle_days``).
* **Estimates.** Where the period has no closing read, the use is estimated from the
  meter's average daily use over its last twelve intervals times the period's days
  (``billing.reads.average_daily_use``); the line and bill are marked estimated.
  Nothing is stored as a read: a later actual read simply replaces the estimate at
  the next calculation (recorded decision: calculating never writes reads).
* **Errors.** An account that cannot be billed (no agreement in the period, no read
  and no history to estimate from, a missing determinant, a rate gap) raises
  :class:`CannotBill` with the reason; the run records it and goes on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..engine import Determinants, RateRefused, quote
from ..models import ServiceAgreement
from ..reads import average_daily_use
from ..selectors import determinants_for, history_intervals, version_specs


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


def active_agreements(account_id: int, start: date, end: date) -> list[ServiceAgreement]:
    return list(
        ServiceAgreement.objects.filter(account_id=account_id, start_date__lte=end)
        .exclude(end_date__lt=start)
        .select_related("service", "rate_schedule")
        .order_by("service__payment_order", "pk")
    )


def draft_bill(*, account_id: int, start: date, end: date) -> Draft:
    """The draft bill of ``account_id`` for ``start``..``end``; raises :class:`CannotBill`."""
    agreements = active_agreements(account_id, start, end)
    if not agreements:
        raise CannotBill("No service agreement is active in the period.")
    lines: list[DraftLine] = []
    first = final = False
    for agreement in agreements:
        seg_start = max(start, agreement.start_date)
        seg_end = min(end, agreement.end_date or end)
        first = first or seg_start > start
        final = final or seg_end < end
        cycle_days = (end - start).days + 1 if (seg_start, seg_end) != (start, end) else None
        lines.extend(_agreement_lines(agreement, seg_start, seg_end, cycle_days))
    return Draft(tuple(lines), any(line.estimated for line in lines), first, final)


def _agreement_lines(
    agreement: ServiceAgreement, start: date, end: date, cycle_days: int | None = None
) -> list[DraftLine]:
    det, estimated = _determinants(agreement, start, end)
    try:
        priced = quote(
            versions=version_specs(agreement.rate_schedule), start=start, end=end,
            determinants=det, cycle_days=cycle_days,
        )  # fmt: skip
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


def _determinants(agreement: ServiceAgreement, start: date, end: date) -> tuple[Determinants, bool]:
    det = determinants_for(agreement, start=start, end=end)
    if det.usage is not None:
        return det, False
    history = history_intervals(
        premise_id=agreement.premise_id, service_id=agreement.service_id, as_of=end
    )
    daily = average_daily_use(history[-12:])
    if daily is None:
        return det, False  # the engine refuses a metered line without use: the reason
    use = (daily * ((end - start).days + 1)).quantize(Decimal("0.01"))
    by_service = {**det.usage_by_service, agreement.service.code: use}
    return dataclasses.replace(det, usage=use, usage_by_service=by_service), True
