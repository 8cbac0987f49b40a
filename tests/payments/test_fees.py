"""Returned-payment fee schedules, hand-computed at and around every tier boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments.fees import FeeRule, returned_payment_fee

D = Decimal

# A common state rule: $25 up to $50, $30 up to $300, $40 above, or 5%, whichever is greater.
STATE = FeeRule(
    tiers=[(D("50.00"), D("25.00")), (D("300.00"), D("30.00")), (None, D("40.00"))],
    percent=D("5.00"),
)
# Percentage only, with a floor and a cap.
PERCENT = FeeRule(percent=D("4.00"), minimum=D("20.00"), maximum=D("50.00"))
# Tiers only, given out of order.
TIERS = FeeRule(tiers=[(None, D("35.00")), (D("100.00"), D("20.00")), (D("25.00"), D("10.00"))])
# A fractional percentage: rounding is half-up to the cent.
FRACTION = FeeRule(percent=D("2.50"))
# A minimum above the maximum: the cap wins.
CROSSED = FeeRule(tiers=[(None, D("10.00"))], minimum=D("30.00"), maximum=D("25.00"))


@pytest.mark.parametrize(
    ("rule", "amount", "fee"),
    [
        (STATE, "0.01", "25.00"),
        (STATE, "49.99", "25.00"),
        (STATE, "50.00", "25.00"),  # on the boundary: the lower tier
        (STATE, "50.01", "30.00"),
        (STATE, "299.99", "30.00"),
        (STATE, "300.00", "30.00"),  # 5% = 15.00 < 30
        (STATE, "300.01", "40.00"),
        (STATE, "799.99", "40.00"),  # 5% = 40.00 (39.9995 half-up): a tie
        (STATE, "800.00", "40.00"),  # 5% = 40.00
        (STATE, "800.10", "40.01"),  # 5% = 40.005 -> 40.01: the percentage is greater
        (STATE, "1000.00", "50.00"),
        (PERCENT, "100.00", "20.00"),  # 4.00 raised to the minimum
        (PERCENT, "500.00", "20.00"),  # exactly the minimum
        (PERCENT, "500.13", "20.01"),  # 20.0052 -> 20.01
        (PERCENT, "1250.00", "50.00"),  # exactly the maximum
        (PERCENT, "1250.13", "50.00"),  # 50.0052 capped
        (PERCENT, "2000.00", "50.00"),
        (TIERS, "25.00", "10.00"),
        (TIERS, "25.01", "20.00"),
        (TIERS, "100.00", "20.00"),
        (TIERS, "100.01", "35.00"),
        (TIERS, "9999.99", "35.00"),
        (FRACTION, "0.20", "0.01"),  # 0.005 half-up
        (FRACTION, "0.19", "0.00"),  # 0.00475
        (FRACTION, "123.45", "3.09"),  # 3.08625
        (CROSSED, "5.00", "25.00"),
    ],
)
def test_it_computes_the_fee_by_hand(rule: FeeRule, amount: str, fee: str) -> None:
    assert returned_payment_fee(D(amount), rule) == D(fee)


def test_an_empty_schedule_charges_nothing() -> None:
    assert returned_payment_fee(D("100.00"), FeeRule()) == D("0.00")
