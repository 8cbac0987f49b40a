"""The returned-payment (NSF) fee: the shared fee rule of ``billing_site.common.fees``
applied to the active ``ReturnFeeSchedule``.

The rule itself (tiers by amount, percentage, whichever is greater, minimum,
maximum) and its worked example live in :mod:`billing_site.common.fees`; this
module only reads a schedule row into a :class:`FeeRule`.
"""

from __future__ import annotations

from decimal import Decimal

from djmoney.money import Money

from billing_site.common.fees import FeeRule, fee_for

from .models import ReturnFeeSchedule

__all__ = ["FeeRule", "returned_payment_fee", "rule_of"]


def returned_payment_fee(amount: Decimal, rule: FeeRule) -> Decimal:
    """The fee on a returned payment of ``amount``."""
    return fee_for(amount, rule)


def _amount(value: Money | None) -> Decimal | None:
    return None if value is None else value.amount


def rule_of(schedule: ReturnFeeSchedule) -> FeeRule:
    """The FeeRule of a ``ReturnFeeSchedule`` row (its tiers prefetched or read here)."""
    return FeeRule(
        tiers=[(_amount(t.up_to), t.fee.amount) for t in schedule.tiers.all()],
        percent=schedule.percent,
        minimum=_amount(schedule.minimum),
        maximum=_amount(schedule.maximum),
    )
