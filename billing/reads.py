"""Meter arithmetic and read checks, as pure functions over plain values.

* **Consumption** = (reading - previous) x multiplier. A reading below the previous
  one is a **rollover** when the dials wrapped: the use through the wrap
  (10^dials - previous + reading) is at most half the dials' range; otherwise it is
  negative use (an exception).
* **Across a meter change** each meter counts its own reads: the old meter's use up
  to its final read plus the new meter's use from its initial read.
* **Estimates** come from the average daily use of the meter's recent history, times
  the days since its last read; an estimated read is stored marked ``estimated``.
* **Checks** (first failing rule wins): unknown meter, meter at another premise, read
  date before the last read, negative use, zero use on an active account, high or
  low use against the account's average daily use for the same month in earlier years
  (or, without those, its last twelve months): above ``HIGH_PERCENT`` (200) or below
  ``LOW_PERCENT`` (25) percent of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from .choices import ExceptionRule

CENTS = Decimal("0.01")
# High/low use: a read's daily use against the usual, in percent. Constants for now;
# they become settings (billing_site/settings/base.py and the README) when a city asks.
HIGH_PERCENT = Decimal(200)
LOW_PERCENT = Decimal(25)


def consumption(
    *, previous: Decimal, reading: Decimal, dials: int, multiplier: Decimal
) -> Decimal | None:
    """Use between two readings of one meter; None when it is negative and no rollover."""
    if reading >= previous:
        return (reading - previous) * multiplier
    capacity = Decimal(10) ** dials
    wrapped = capacity - previous + reading
    if wrapped <= capacity / 2:
        return wrapped * multiplier
    return None


@dataclass(frozen=True)
class ReadPoint:
    """One read as the arithmetic needs it."""

    meter: str
    read_date: date
    reading: Decimal
    dials: int = 6
    multiplier: Decimal = Decimal(1)


@dataclass(frozen=True)
class Interval:
    start: date
    end: date
    use: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def intervals(points: Sequence[ReadPoint]) -> list[Interval]:
    """Use between consecutive reads of the same meter (a meter change starts afresh)."""
    found: list[Interval] = []
    for before, after in pairwise(points):
        if before.meter != after.meter or after.read_date <= before.read_date:
            continue
        use = consumption(
            previous=before.reading,
            reading=after.reading,
            dials=after.dials,
            multiplier=after.multiplier,
        )
        if use is not None:
            found.append(Interval(before.read_date, after.read_date, use))
    return found


def period_consumption(points: Sequence[ReadPoint]) -> Decimal:
    """Total use over ``points`` (in read order), across meter changes."""
    return sum((i.use for i in intervals(points)), Decimal(0))


def average_daily_use(history: Sequence[Interval]) -> Decimal | None:
    days = sum(i.days for i in history)
    if days <= 0:
        return None
    return sum((i.use for i in history), Decimal(0)) / days


def same_month_average(history: Sequence[Interval], on: date) -> Decimal | None:
    """Average daily use of intervals ending in ``on``'s month in earlier years,
    else of the last twelve months of intervals."""
    same = [i for i in history if i.end.month == on.month and i.end.year < on.year]
    if same:
        return average_daily_use(same)
    recent = [i for i in history if (on - i.end).days <= 366]
    return average_daily_use(recent)


def estimated_reading(*, last: ReadPoint, daily_use: Decimal, on: date) -> Decimal:
    """The reading an estimate stores: last reading plus the expected use, wrapped at the dials."""
    use = daily_use * (on - last.read_date).days / last.multiplier
    reading = (last.reading + use).quantize(CENTS, rounding=ROUND_HALF_UP)
    return reading % (Decimal(10) ** last.dials)


@dataclass(frozen=True)
class ReadContext:
    """What the checks need to know about one read."""

    read_date: date
    reading: Decimal
    meter_known: bool = True
    dials: int = 6
    multiplier: Decimal = Decimal(1)
    meter_premise_id: int | None = None
    account_premise_id: int | None = None
    account_active: bool = True
    last: ReadPoint | None = None
    usual_daily_use: Decimal | None = None


@dataclass(frozen=True)
class Failure:
    rule: str
    message: str


def check_read(ctx: ReadContext) -> Failure | None:
    """The first rule ``ctx`` fails, or None when the read can be stored."""
    if not ctx.meter_known:
        return Failure(ExceptionRule.UNKNOWN_METER, "No meter has this number.")
    if ctx.account_premise_id is not None and ctx.meter_premise_id != ctx.account_premise_id:
        return Failure(
            ExceptionRule.OTHER_PREMISE, "The meter is not installed at this account's premise."
        )
    if ctx.last is None:
        return None
    if ctx.read_date < ctx.last.read_date:
        return Failure(
            ExceptionRule.BEFORE_LAST,
            f"The read date is before the last read ({ctx.last.read_date:%Y-%m-%d}).",
        )
    use = consumption(
        previous=ctx.last.reading, reading=ctx.reading, dials=ctx.dials, multiplier=ctx.multiplier
    )
    if use is None:
        return Failure(
            ExceptionRule.NEGATIVE,
            f"The reading {ctx.reading} is below the last ({ctx.last.reading}) and is no rollover.",
        )
    if use == 0:
        return (
            Failure(ExceptionRule.ZERO, "No use on an active account.")
            if ctx.account_active
            else None
        )
    return _against_usual(ctx, use)


def _against_usual(ctx: ReadContext, use: Decimal) -> Failure | None:
    assert ctx.last is not None
    days = (ctx.read_date - ctx.last.read_date).days
    if not ctx.usual_daily_use or days <= 0:
        return None
    daily = use / days
    usual = ctx.usual_daily_use
    high, low = HIGH_PERCENT, LOW_PERCENT
    if daily > usual * high / 100:
        return Failure(
            ExceptionRule.HIGH,
            f"{daily:.1f} a day is over {high}% of the usual {usual:.1f} a day.",
        )
    if daily < usual * low / 100:
        return Failure(
            ExceptionRule.LOW, f"{daily:.1f} a day is under {low}% of the usual {usual:.1f} a day."
        )
    return None
