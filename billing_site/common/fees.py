"""Fee rules: one calculation for every fee the city charges.

Returned-payment (NSF) fees, late fees, reconnect fees and after-hours fees are
all "a flat amount, a tier by amount, or a percentage, whichever is greater,
raised to a minimum and capped at a maximum". A :class:`FeeRule` says which of
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
3. The flat fee is ``flat`` whatever the amount.
4. The fee is the greatest of the three, raised to ``minimum`` and then capped
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


@dataclass(frozen=True)
class FeeRule:
    """What a fee is made of; every part is optional and an empty rule charges nothing."""

    tiers: Sequence[Tier] = ()
    percent: Decimal | None = None
    flat: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    exempt_below: Decimal | None = None


def describe(rule: FeeRule) -> str:
    """The rule in plain words, for a schedule page or a letter.

    ``$25.00 up to $50.00, $30.00 up to $300.00, $40.00 above, or 5% if greater``.
    """
    bounded = sorted((t for t in rule.tiers if t[0] is not None), key=lambda t: t[0] or ZERO)
    parts = [f"{format_money(fee)} up to {format_money(up_to or ZERO)}" for up_to, fee in bounded]
    parts += [f"{format_money(fee)} above" for up_to, fee in rule.tiers if up_to is None]
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
    fee = max(tier_fee(amount, rule.tiers), percent_fee(amount, rule.percent), rule.flat or ZERO)
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
