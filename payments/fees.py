"""The returned-payment fee: tiers by amount and/or a percentage, whichever is greater.

Worked rule (``returned_payment_fee``):

1. The tier fee is the fee of the first tier, in ascending "up to" order, whose
   "up to" is at least the amount; a tier with no "up to" takes any larger
   amount. An amount exactly on a boundary belongs to the lower tier
   ($50.00 with "up to $50.00" pays that tier's fee; $50.01 the next).
2. The percentage fee is ``percent`` of the amount, rounded half-up to cents.
3. The fee is the greater of the two, raised to ``minimum`` and then capped at
   ``maximum`` (the cap wins when an administrator sets minimum > maximum).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing_site.common.money import ZERO, quantize_half_up


@dataclass(frozen=True)
class FeeRule:
    tiers: Sequence[tuple[Decimal | None, Decimal]] = ()  # (up to, fee)
    percent: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None


def returned_payment_fee(amount: Decimal, rule: FeeRule) -> Decimal:
    fee = max(_tier_fee(amount, rule.tiers), _percent_fee(amount, rule.percent))
    if rule.minimum is not None:
        fee = max(fee, rule.minimum)
    if rule.maximum is not None:
        fee = min(fee, rule.maximum)
    return fee


def _tier_fee(amount: Decimal, tiers: Sequence[tuple[Decimal | None, Decimal]]) -> Decimal:
    bounded = sorted((t for t in tiers if t[0] is not None), key=lambda t: t[0])  # type: ignore[arg-type,return-value]
    for up_to, fee in bounded:
        if amount <= up_to:  # type: ignore[operator]
            return fee
    top = [fee for up_to, fee in tiers if up_to is None]
    return top[0] if top else ZERO


def _percent_fee(amount: Decimal, percent: Decimal | None) -> Decimal:
    if not percent:
        return ZERO
    return quantize_half_up(amount * percent / Decimal(100))


def rule_of(schedule: object) -> FeeRule:
    """The FeeRule of a ``ReturnFeeSchedule`` row."""

    def amount(value: object) -> Decimal | None:
        return None if value is None else value.amount  # type: ignore[attr-defined]

    return FeeRule(
        tiers=[(amount(t.up_to), t.fee.amount) for t in schedule.tiers.all()],  # type: ignore[attr-defined]
        percent=schedule.percent,  # type: ignore[attr-defined]
        minimum=amount(schedule.minimum),  # type: ignore[attr-defined]
        maximum=amount(schedule.maximum),  # type: ignore[attr-defined]
    )
