"""The rate engine: one service's bill from a rate schedule's versions and determinants.

Pure functions over plain values (no database), used by the bill calculator, the
``quote_bill`` command, the tests and the bill run. The rules, stated once:

* **Period.** A bill covers ``start`` to ``end`` inclusive (``days`` = end - start + 1).
* **Proration.** When versions change inside the period, each version prices its own
  days: a segment of ``d`` of ``D`` days takes ``d/D`` of the consumption, of every
  fixed and flat amount, of the included units, of every block's bounds and of the
  minimum and maximum. A bill inside one version has ``d/D = 1`` and nothing changes.
* **First and final bills.** ``cycle_days`` (``C``, the whole billing period's days)
  is given when the service covers only part of it (``D`` < ``C``): the consumption
  still splits ``d/D`` (it was all used on the days of service), but the fixed and
  flat amounts, included units, block bounds, minimum and maximum take ``d/C``: a
  $12.50 base charge for 15 days of a 31-day period is 12.50 x 15/31 = $6.05.
* **Volumetric.** Consumption is divided by ``unit_size`` (prices per 1,000 gallons:
  ``unit_size`` 1000), the included units come off first, then the blocks apply:
  ``each_tier`` prices each unit in its own tier (inclining or declining blocks);
  ``all_at_reached`` prices all billable units at the tier the total reaches (a
  total on a tier's upper bound stays in that tier). Without blocks, ``amount`` is
  the price per unit.
* **Winter average.** The basis is the account's winter average (or the schedule's
  default when the account has none), capped at the actual use when actual is lower.
* **Minimum and maximum.** A line below its minimum is raised to it; above its
  maximum it is cut to it.
* **Percentage.** A percentage line is ``percent`` of the named earlier lines (after
  their rounding), in the same version segment.
* **Rounding.** Each line is rounded half-up to cents once, at the end of its
  arithmetic (``billing_site.common.money.quantize_half_up``); the total is the sum of
  the rounded lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from billing_site.common.money import format_money, quantize_half_up

from .choices import BlockMode, ComponentKind, FixedBasis, UsageBasis

ONE = Decimal(1)
ZERO = Decimal(0)


class RateRefused(ValueError):
    """A rate definition, or a quote, that cannot be used; the message says why."""

    def __init__(self, messages: str | Sequence[str]) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


class MissingBasis(RateRefused):
    """A component needs a determinant the account does not have."""


@dataclass(frozen=True)
class Block:
    start: Decimal
    end: Decimal | None  # None: the last, open block
    price: Decimal


@dataclass(frozen=True)
class ComponentSpec:
    code: str
    label: str
    kind: str
    fixed_basis: str = ""
    usage_basis: str = ""
    usage_service: str = ""
    unit_size: Decimal = ONE
    unit_label: str = "units"
    amount: Decimal | None = None
    blocks: tuple[Block, ...] = ()
    block_mode: str = BlockMode.EACH_TIER
    included_units: Decimal = ZERO
    size_prices: Mapping[str, Decimal] = field(default_factory=dict)
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    percent: Decimal | None = None
    percent_of: tuple[str, ...] = ()
    winter_months: tuple[int, ...] = ()
    winter_default: Decimal | None = None


@dataclass(frozen=True)
class VersionSpec:
    effective_from: date
    effective_to: date | None
    components: tuple[ComponentSpec, ...]

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class Determinants:
    """What an account brings to a bill. ``usage``: this service's metered use."""

    usage: Decimal | None = None
    usage_by_service: Mapping[str, Decimal] = field(default_factory=dict)
    winter_average: Decimal | None = None
    dwelling_units: int = 1
    meter_size: str = ""
    eru: Decimal | None = None
    carts: int | None = None
    flat_quantity: Decimal | None = None


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    amount: Decimal
    arithmetic: str
    effective_from: date
    days: int


@dataclass(frozen=True)
class Quote:
    start: date
    end: date
    days: int
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


# -- quoting -----------------------------------------------------------------------


def quote(
    *,
    versions: Sequence[VersionSpec],
    start: date,
    end: date,
    determinants: Determinants,
    cycle_days: int | None = None,
) -> Quote:
    """Price the period ``start``..``end`` (inclusive) under ``versions``, prorated by days;
    ``cycle_days``: the whole billing period's days when service covers only part of it."""
    if end < start:
        raise RateRefused("The period ends before it starts.")
    total_days = (end - start).days + 1
    if cycle_days is not None and cycle_days < total_days:
        raise RateRefused("The billing period is shorter than the days of service.")
    lines: list[Line] = []
    covered = 0
    for version in sorted(versions, key=lambda v: v.effective_from):
        seg_start = max(start, version.effective_from)
        seg_end = min(end, version.effective_to or end)
        if seg_end < seg_start:
            continue
        days = (seg_end - seg_start).days + 1
        covered += days
        share = _Share(days, total_days, cycle_days or total_days)
        lines.extend(_version_lines(version, determinants, share, seg_start))
    if covered != total_days:
        raise RateRefused(
            f"No rate version is in effect for every day of {start:%Y-%m-%d} to {end:%Y-%m-%d}."
        )
    return Quote(start=start, end=end, days=total_days, lines=tuple(lines))


def period_of(*, start: date, days: int) -> tuple[date, date]:
    return start, start + timedelta(days=days - 1)


@dataclass(frozen=True)
class _Share:
    """A segment's ``days`` of the ``of`` days of service, in a period of ``cycle`` days."""

    days: int
    of: int
    cycle: int

    @property
    def whole(self) -> bool:
        return self.days == self.of

    @property
    def full(self) -> bool:
        return self.days == self.cycle

    def __call__(self, value: Decimal) -> Decimal:
        """The segment's part of the consumption (used on the days of service)."""
        return value if self.whole else value * self.days / self.of

    def part(self, value: Decimal) -> Decimal:
        """The segment's part of a fixed amount or allowance (of the whole period)."""
        return value if self.full else value * self.days / self.cycle

    def text(self) -> str:
        return "" if self.whole else f" x {self.days}/{self.of} days"

    def part_text(self) -> str:
        return "" if self.full else f" x {self.days}/{self.cycle} days"


def _version_lines(
    version: VersionSpec, det: Determinants, share: _Share, seg_start: date
) -> list[Line]:
    lines: list[Line] = []
    amounts: dict[str, Decimal] = {}
    for spec in version.components:
        amount, text = _component(spec, det, share, amounts)
        amount, text = _limits(spec, amount, text, share)
        rounded = quantize_half_up(amount)
        amounts[spec.code] = rounded
        label = spec.label if share.whole else f"{spec.label} (from {seg_start:%Y-%m-%d})"
        lines.append(
            Line(
                spec.code,
                label,
                rounded,
                f"{text} = {format_money(rounded)}",
                seg_start,
                share.days,
            )
        )
    return lines


def _component(
    spec: ComponentSpec, det: Determinants, share: _Share, amounts: Mapping[str, Decimal]
) -> tuple[Decimal, str]:
    if spec.kind == ComponentKind.FIXED:
        return _fixed(spec, det, share)
    if spec.kind == ComponentKind.VOLUMETRIC:
        return _volumetric(spec, det, share)
    if spec.kind == ComponentKind.PERCENTAGE:
        base = sum((amounts[code] for code in spec.percent_of), ZERO)
        percent = spec.percent or ZERO
        return base * percent / 100, f"{_qty(percent)}% of {format_money(base)}"
    if spec.kind == ComponentKind.FLAT_FEE:
        price = spec.amount or ZERO
        return share.part(price), f"{format_money(price)} per bill{share.part_text()}"
    raise RateRefused(f"Component {spec.code}: unknown kind {spec.kind!r}.")


_FIXED_NOUNS = {
    FixedBasis.DWELLING_UNIT: ("dwelling_units", "dwelling units"),
    FixedBasis.ERU: ("eru", "ERU"),
    FixedBasis.CART: ("carts", "carts"),
    FixedBasis.FLAT_QUANTITY: ("flat_quantity", "units"),
}


def _fixed(spec: ComponentSpec, det: Determinants, share: _Share) -> tuple[Decimal, str]:
    if spec.fixed_basis == FixedBasis.METER_SIZE:
        if det.meter_size not in spec.size_prices:
            raise MissingBasis(
                f"{spec.label}: no price for meter size {det.meter_size or '(none)'!s}."
            )
        price = spec.size_prices[det.meter_size]
        text = f'{det.meter_size}" meter {format_money(price)}{share.part_text()}'
        return share.part(price), text
    price = spec.amount or ZERO
    if spec.fixed_basis == FixedBasis.BILL:
        return share.part(price), f"{format_money(price)} per bill{share.part_text()}"
    attr, noun = _FIXED_NOUNS[FixedBasis(spec.fixed_basis)]
    quantity = getattr(det, attr)
    if quantity is None:
        raise MissingBasis(f"{spec.label}: the account has no {noun} on its agreement.")
    quantity = Decimal(quantity)
    text = f"{_qty(quantity)} {noun} x {format_money(price)}{share.part_text()}"
    return share.part(quantity * price), text


def _usage(spec: ComponentSpec, det: Determinants) -> tuple[Decimal, str]:
    """The consumption a volumetric line is computed on, and how it was chosen."""
    if spec.usage_basis == UsageBasis.SERVICE or (
        spec.usage_basis == UsageBasis.WINTER_AVERAGE and spec.usage_service
    ):
        actual = det.usage_by_service.get(spec.usage_service)
        source = f"{spec.usage_service} use"
    else:
        actual, source = det.usage, "metered use"
    if actual is None:
        raise MissingBasis(f"{spec.label}: the account has no {source} for the period.")
    if spec.usage_basis != UsageBasis.WINTER_AVERAGE:
        return actual, f"{source} {_qty(actual)}"
    average, what = det.winter_average, "winter average"
    if average is None:
        average, what = spec.winter_default, "default winter average"
    if average is None:
        raise MissingBasis(f"{spec.label}: no winter average and no default.")
    if actual < average:
        return actual, f"actual use {_qty(actual)} (below the {what} {_qty(average)})"
    return average, f"{what} {_qty(average)}"


def _volumetric(spec: ComponentSpec, det: Determinants, share: _Share) -> tuple[Decimal, str]:
    usage, source = _usage(spec, det)
    units = share(usage) / spec.unit_size
    included = share.part(spec.included_units)
    billable = max(units - included, ZERO)
    parts = [f"{source}{share.text()}"]
    if spec.unit_size != ONE:
        parts.append(f"÷ {_qty(spec.unit_size)} = {_qty(units)} {spec.unit_label}")
    if included:
        parts.append(f"less {_qty(included)} included = {_qty(billable)}")
    blocks = [
        Block(share.part(b.start), None if b.end is None else share.part(b.end), b.price)
        for b in spec.blocks
    ]
    if not blocks:
        blocks = [Block(ZERO, None, spec.amount or ZERO)]
    if spec.block_mode == BlockMode.ALL_AT_REACHED:
        block = next(b for b in blocks if b.end is None or billable <= b.end)
        parts.append(f"all {_qty(billable)} at {_price(block.price)}")
        return billable * block.price, "; ".join(parts)
    amount, tiers = ZERO, []
    for block in blocks:
        top = billable if block.end is None else min(billable, block.end)
        in_tier = max(top - block.start, ZERO)
        if in_tier:
            amount += in_tier * block.price
            tiers.append(f"{_qty(in_tier)} x {_price(block.price)}")
    parts.append(" + ".join(tiers) if tiers else "nothing billable")
    return amount, "; ".join(parts)


def _limits(spec: ComponentSpec, amount: Decimal, text: str, share: _Share) -> tuple[Decimal, str]:
    if spec.minimum is not None and amount < share.part(spec.minimum):
        floor = share.part(spec.minimum)
        return floor, f"{text} = {format_money(quantize_half_up(amount))}, raised to the minimum"
    if spec.maximum is not None and amount > share.part(spec.maximum):
        return share.part(spec.maximum), (
            f"{text} = {format_money(quantize_half_up(amount))}, cut to the maximum"
        )
    return amount, text


def _qty(value: Decimal) -> str:
    """A quantity as people write it: ``12,000``, ``4.5``, ``2.6667``."""
    rounded = value.quantize(Decimal("0.0001")).normalize()
    return f"{rounded:,f}"


def _price(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    if "." not in text or len(text.split(".")[1]) < 2:
        return format_money(value)
    return f"${text}"


# -- refusing bad definitions --------------------------------------------------------


def validate_version(version: VersionSpec) -> None:
    """Raise :class:`RateRefused` with every problem of ``version``, in plain words."""
    problems: list[str] = []
    seen: set[str] = set()
    for spec in version.components:
        if spec.code in seen:
            problems.append(f"Component code {spec.code} appears twice.")
        problems.extend(_component_problems(spec, seen))
        seen.add(spec.code)
    if problems:
        raise RateRefused(problems)


def validate_schedule(versions: Sequence[VersionSpec]) -> None:
    """Each version valid, and no two versions' dates overlap."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for version in ordered:
        if version.effective_to is not None and version.effective_to < version.effective_from:
            raise RateRefused(f"The version from {version.effective_from} ends before it starts.")
        validate_version(version)
    for earlier, later in pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise RateRefused(
                f"The version from {later.effective_from} overlaps the version from "
                f"{earlier.effective_from}."
            )


def _component_problems(spec: ComponentSpec, earlier: set[str]) -> list[str]:
    name = f"Component {spec.code}"
    problems = [
        f"{name}: {what} cannot be negative."
        for what, value in _prices(spec)
        if value is not None and value < 0
    ]
    if spec.minimum is not None and spec.maximum is not None and spec.minimum > spec.maximum:
        problems.append(f"{name}: the minimum is more than the maximum.")
    if spec.kind == ComponentKind.FIXED:
        problems.extend(_fixed_problems(spec, name))
    elif spec.kind == ComponentKind.VOLUMETRIC:
        problems.extend(_volumetric_problems(spec, name))
    elif spec.kind == ComponentKind.PERCENTAGE:
        if spec.percent is None or not spec.percent_of:
            problems.append(f"{name}: a percentage needs a percent and the lines it is of.")
        problems.extend(
            f"{name}: it is a percentage of {code}, which is not an earlier component."
            for code in spec.percent_of
            if code not in earlier
        )
    elif spec.kind == ComponentKind.FLAT_FEE:
        if spec.amount is None:
            problems.append(f"{name}: a flat fee needs an amount.")
    else:
        problems.append(f"{name}: unknown kind {spec.kind!r}.")
    return problems


def _prices(spec: ComponentSpec) -> list[tuple[str, Decimal | None]]:
    return [
        ("the amount", spec.amount),
        ("the minimum", spec.minimum),
        ("the maximum", spec.maximum),
        ("the percent", spec.percent),
        ("the included units", spec.included_units),
        ("the default winter average", spec.winter_default),
        *((f"the price of tier {i + 1}", b.price) for i, b in enumerate(spec.blocks)),
        *((f'the price for a {size}" meter', p) for size, p in spec.size_prices.items()),
    ]


def _fixed_problems(spec: ComponentSpec, name: str) -> list[str]:
    if spec.fixed_basis not in FixedBasis.values:
        return [f"{name}: a fixed charge needs a basis ({', '.join(FixedBasis.values)})."]
    if spec.fixed_basis == FixedBasis.METER_SIZE:
        return [] if spec.size_prices else [f"{name}: a charge by meter size needs size prices."]
    return [] if spec.amount is not None else [f"{name}: a fixed charge needs an amount."]


def _volumetric_problems(spec: ComponentSpec, name: str) -> list[str]:
    problems: list[str] = []
    if spec.usage_basis not in UsageBasis.values:
        problems.append(f"{name}: a volumetric charge needs a usage basis.")
    if spec.usage_basis == UsageBasis.SERVICE and not spec.usage_service:
        problems.append(f"{name}: say which service's use it is computed on.")
    if spec.usage_basis == UsageBasis.WINTER_AVERAGE:
        if not spec.winter_months or any(not 1 <= m <= 12 for m in spec.winter_months):
            problems.append(f"{name}: a winter average needs its months (1 to 12).")
        if spec.winter_default is None:
            problems.append(f"{name}: a winter average needs a default for new accounts.")
    if spec.unit_size <= 0:
        problems.append(f"{name}: the unit size must be more than zero.")
    if spec.block_mode not in BlockMode.values:
        problems.append(f"{name}: unknown block mode {spec.block_mode!r}.")
    if not spec.blocks and spec.amount is None:
        problems.append(f"{name}: a volumetric charge needs a price per unit or tiers.")
    return problems + _tier_problems(spec.blocks, name)


def _tier_problems(blocks: Sequence[Block], name: str) -> list[str]:
    problems: list[str] = []
    expected = ZERO
    for i, block in enumerate(blocks, start=1):
        if block.start > expected:
            problems.append(f"{name}: a gap between {_qty(expected)} and {_qty(block.start)}.")
        elif block.start < expected:
            problems.append(f"{name}: tier {i} overlaps the tier before it.")
        if block.end is not None and block.end <= block.start:
            problems.append(f"{name}: tier {i} ends where it starts or before.")
        if block.end is None and i != len(blocks):
            problems.append(f"{name}: only the last tier can be open-ended.")
        expected = block.end if block.end is not None else block.start
    if blocks and blocks[-1].end is not None:
        problems.append(f"{name}: the last tier must be open-ended (no upper bound).")
    return problems
