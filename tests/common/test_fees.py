"""Fee rules, hand-computed at and around every boundary: returned-payment schedules
(moved here from tests/payments/test_fees.py), late fees, flat reconnect and
after-hours fees, and the exemption floor."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing_site.common.fees import FeeRule, describe, fee_for, percent_fee, tier_fee
from payments.fees import returned_payment_fee

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
# A late fee: 1.5% of the past-due amount, at least $5.00, none under $10.00 past due.
LATE = FeeRule(percent=D("1.50"), minimum=D("5.00"), exempt_below=D("10.00"))
# A late fee of $5.00 or 10%, whichever is greater, never more than $25.00.
LATE_FLAT_OR_PERCENT = FeeRule(flat=D("5.00"), percent=D("10.00"), maximum=D("25.00"))
# A reconnect (or after-hours) fee: flat, whatever the amount.
RECONNECT = FeeRule(flat=D("50.00"))
# A tiered late fee: $2 up to $100 past due, $10 above.
LATE_TIERS = FeeRule(tiers=[(D("100.00"), D("2.00")), (None, D("10.00"))], exempt_below=D("0.01"))


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
        (LATE, "0.00", "0.00"),
        (LATE, "9.99", "0.00"),  # under the floor: not even the minimum
        (LATE, "10.00", "5.00"),  # on the floor: the minimum (1.5% = 0.15)
        (LATE, "333.33", "5.00"),  # 4.99995 -> 5.00
        (LATE, "333.67", "5.01"),  # 5.00505 -> 5.01
        (LATE, "400.00", "6.00"),
        (LATE_FLAT_OR_PERCENT, "0.00", "5.00"),
        (LATE_FLAT_OR_PERCENT, "50.00", "5.00"),  # 10% = 5.00: a tie
        (LATE_FLAT_OR_PERCENT, "50.05", "5.01"),  # 5.005 -> 5.01
        (LATE_FLAT_OR_PERCENT, "250.00", "25.00"),
        (LATE_FLAT_OR_PERCENT, "250.10", "25.00"),  # capped
        (RECONNECT, "0.00", "50.00"),
        (RECONNECT, "1234.56", "50.00"),
        (LATE_TIERS, "0.00", "0.00"),
        (LATE_TIERS, "0.01", "2.00"),
        (LATE_TIERS, "100.00", "2.00"),
        (LATE_TIERS, "100.01", "10.00"),
    ],
)
def test_it_computes_the_fee_by_hand(rule: FeeRule, amount: str, fee: str) -> None:
    assert fee_for(D(amount), rule) == D(fee)


def test_it_charges_nothing_for_an_empty_schedule() -> None:
    assert fee_for(D("100.00"), FeeRule()) == D("0.00")


def test_it_reads_tiers_and_percentages_on_their_own() -> None:
    assert tier_fee(D("100.00"), []) == D("0.00")
    assert tier_fee(D("100.01"), [(D("100.00"), D("2.00"))]) == D("0.00")  # no open-ended tier
    assert percent_fee(D("100.00"), None) == D("0.00")
    assert percent_fee(D("100.00"), D("0")) == D("0.00")


def test_it_keeps_the_returned_payment_fee_the_shared_rule() -> None:
    for amount in ("0.01", "50.00", "50.01", "800.10"):
        assert returned_payment_fee(D(amount), STATE) == fee_for(D(amount), STATE)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (STATE, "$25.00 up to $50.00, $30.00 up to $300.00, $40.00 above, or 5% if greater"),
        (PERCENT, "4% of the amount; at least $20.00; at most $50.00"),
        (LATE, "1.5% of the amount; at least $5.00; none under $10.00"),
        (LATE_FLAT_OR_PERCENT, "$5.00, or 10% if greater; at most $25.00"),
        (RECONNECT, "$50.00"),
        (FeeRule(), "no fee"),
    ],
)
def test_it_describes_a_rule_in_plain_words(rule: FeeRule, words: str) -> None:
    assert describe(rule) == words
