"""Fee rules: one calculation for every fee the city charges.

Returned-payment (NSF) fees, late fees, reconnect fees and after-hours fees are
all "a flat amount, a tier by amount, a graduated percentage, or a percentage,
whichever is greater, raised to a minimum and capped at a maximum". A :class:`FeeRule` says which of
those apply; :func:`fee_for` computes the fee on an amount (the payment that
came back, the past-due balance ...). Rules are plain values: an app keeps its
schedule in its own admin-editable models (``payments.ReturnFeeSchedule``) and
turns a row into a ``FeeRule``; nothing here touches the database.

Worked rule (``fee_for(amount, rule)``):

0. An amount below ``exempt_below`` draws no fee at all, not even the minimum
   (a late fee is not charged on a few cents past due).
1. The tier fee is the fee of the first tier, in ascending "up to" order, whose
   "up to" is at least the amount; a tier with no "up to" takes any larger
   amount. An amount exactly on a boundary belongs to the lower tier
   ($50.00 with "up to $50.00" pays that tier's fee; $50.01 the next).
2. The percentage fee is ``percent`` of the amount, rounded half-up to cents.
2a. The graduated fee charges each slice of the amount its own percentage
   (``graduated``: (up to, percent) in ascending "up to" order, None: the rest):
   "5% of the first $100, 2% above" on $150.00 is 5.00 + 1.00 = $6.00; the sum is
   rounded half-up to cents once, at the end.
3. The flat fee is ``flat`` whatever the amount.
4. The fee is the greatest of the four, raised to ``minimum`` and then capped
   at ``maximum`` (the cap wins when an administrator sets minimum > maximum).

Examples, each a test in ``tests/common/test_fees.py``:

* returned payment: ``FeeRule(tiers=[(50, 25), (300, 30), (None, 40)], percent=5)``:
  $800.10 -> 5% = 40.005 -> $40.01 beats the $40 tier.
* late fee: ``FeeRule(percent=1.5, minimum=5, exempt_below=10)``: $9.99 past due
  -> nothing; $10.00 -> $5.00; $400.00 -> $6.00.
* reconnect or after-hours fee: ``FeeRule(flat=50)``: $50.00 on any amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing_site.common.money import ZERO, format_money, quantize_half_up

Tier = tuple[Decimal | None, Decimal]  # (up to and including, fee); None: any larger amount
Slice = tuple[Decimal | None, Decimal]  # (up to and including, percent); None: the rest


@dataclass(frozen=True)
class FeeRule:
    """What a fee is made of; every part is optional and an empty rule charges nothing."""

    tiers: Sequence[Tier] = ()
    percent: Decimal | None = None
    flat: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    exempt_below: Decimal | None = None
    graduated: Sequence[Slice] = ()


def describe(rule: FeeRule) -> str:
    """The rule in plain words, for a schedule page or a letter.

    ``$25.00 up to $50.00, $30.00 up to $300.00, $40.00 above, or 5% if greater``.
    """
    bounded = sorted((t for t in rule.tiers if t[0] is not None), key=lambda t: t[0] or ZERO)
    parts = [f"{format_money(fee)} up to {format_money(up_to or ZERO)}" for up_to, fee in bounded]
    parts += [f"{format_money(fee)} above" for up_to, fee in rule.tiers if up_to is None]
    if rule.graduated:
        parts.append(_describe_graduated(rule.graduated))
    if rule.flat:
        parts.append(format_money(rule.flat))
    text = ", ".join(parts)
    if rule.percent:
        percent = f"{rule.percent.normalize():f}%"
        text = f"{text}, or {percent} if greater" if text else f"{percent} of the amount"
    limits = []
    if rule.minimum is not None:
        limits.append(f"at least {format_money(rule.minimum)}")
    if rule.maximum is not None:
        limits.append(f"at most {format_money(rule.maximum)}")
    if rule.exempt_below is not None:
        limits.append(f"none under {format_money(rule.exempt_below)}")
    text = "; ".join(([text] if text else []) + limits)
    return text or "no fee"


def fee_for(amount: Decimal, rule: FeeRule) -> Decimal:
    """The fee ``rule`` charges on ``amount``, in whole cents (see the module's worked rule)."""
    if rule.exempt_below is not None and amount < rule.exempt_below:
        return ZERO
    fee = max(
        tier_fee(amount, rule.tiers),
        graduated_fee(amount, rule.graduated),
        percent_fee(amount, rule.percent),
        rule.flat or ZERO,
    )
    if rule.minimum is not None:
        fee = max(fee, rule.minimum)
    if rule.maximum is not None:
        fee = min(fee, rule.maximum)
    return fee


def tier_fee(amount: Decimal, tiers: Sequence[Tier]) -> Decimal:
    """The fee of the first tier covering ``amount``; zero when no tier does."""
    bounded = sorted(
        ((up_to, fee) for up_to, fee in tiers if up_to is not None), key=lambda t: t[0]
    )
    for up_to, fee in bounded:
        if amount <= up_to:
            return fee
    top = [fee for up_to, fee in tiers if up_to is None]
    return top[0] if top else ZERO


def percent_fee(amount: Decimal, percent: Decimal | None) -> Decimal:
    """``percent`` of ``amount``, half-up to the cent; zero without a percentage."""
    if not percent:
        return ZERO
    return quantize_half_up(amount * percent / Decimal(100))


def _percent_text(percent: Decimal) -> str:
    return f"{percent.normalize():f}%"


def ordered_slices(slices: Sequence[Slice]) -> list[Slice]:
    bounded = sorted((s for s in slices if s[0] is not None), key=lambda s: s[0] or ZERO)
    return bounded + [s for s in slices if s[0] is None][:1]


def _describe_graduated(slices: Sequence[Slice]) -> str:
    words, below = [], ZERO
    for up_to, percent in ordered_slices(slices):
        if up_to is None:
            words.append(f"{_percent_text(percent)} above {format_money(below)}")
        else:
            words.append(f"{_percent_text(percent)} up to {format_money(up_to)}")
            below = up_to
    return ", ".join(words)


def graduated_slices(amount: Decimal, slices: Sequence[Slice]) -> list[tuple[Decimal, Decimal]]:
    """(percent, the part of ``amount`` it applies to) per slice that takes any of it."""
    out: list[tuple[Decimal, Decimal]] = []
    below = ZERO
    for up_to, percent in ordered_slices(slices):
        part = (amount if up_to is None else min(amount, up_to)) - below
        if part > ZERO:
            out.append((percent, part))
        if up_to is None:
            break
        below = up_to
    return out


def graduated_fee(amount: Decimal, slices: Sequence[Slice]) -> Decimal:
    """Each slice's percentage of its part of ``amount``, summed, half-up to the cent once."""
    if not slices:
        return ZERO
    total = sum((part * percent for percent, part in graduated_slices(amount, slices)), ZERO)
    return quantize_half_up(total / Decimal(100))


def explain(amount: Decimal, rule: FeeRule) -> str:
    """How :func:`fee_for` reached its fee on ``amount``, for a proof list:
    ``5% of $100.00 + 2% of $50.00 = $6.00; raised to the minimum $7.00``.

    Every part the rule has, in the order tier, graduated, percentage, flat; then the
    minimum when it raised the fee and the maximum when it capped it. Empty when the
    amount is under ``exempt_below`` (no fee at all).
    """
    if rule.exempt_below is not None and amount < rule.exempt_below:
        return ""
    parts: list[str] = []
    if rule.tiers:
        parts.append(f"tier fee {format_money(tier_fee(amount, rule.tiers))}")
    slices = graduated_slices(amount, rule.graduated)
    if slices:
        each = " + ".join(f"{_percent_text(p)} of {format_money(part)}" for p, part in slices)
        parts.append(f"{each} = {format_money(graduated_fee(amount, rule.graduated))}")
    if rule.percent:
        parts.append(
            f"{_percent_text(rule.percent)} = {format_money(percent_fee(amount, rule.percent))}"
        )
    if rule.flat:
        parts.append(f"flat {format_money(rule.flat)}")
    base = max(
        tier_fee(amount, rule.tiers), graduated_fee(amount, rule.graduated),
        percent_fee(amount, rule.percent), rule.flat or ZERO,
    )  # fmt: skip
    if rule.minimum is not None and base < rule.minimum:
        parts.append(f"raised to the minimum {format_money(rule.minimum)}")
        base = rule.minimum
    if rule.maximum is not None and base > rule.maximum:
        parts.append(f"capped at the maximum {format_money(rule.maximum)}")
    return "; ".join(parts)
