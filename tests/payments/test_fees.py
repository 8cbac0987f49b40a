"""Returned-payment fee schedules, hand-computed at and around every tier boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments.fees import FeeRule, returned_payment_fee, rule_of

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


@pytest.mark.django_db
def test_an_administrator_keeps_a_schedule_with_tiers_in_the_admin(client, frank, alice) -> None:
    from payments.models import ReturnFeeSchedule

    client.force_login(frank)
    url = "/admin/payments/returnfeeschedule/add/"
    assert client.get(url).status_code == 200
    data = {
        "name": "State rule 2027",
        "percent": "5.00",
        "minimum_0": "",
        "minimum_1": "USD",
        "maximum_0": "",
        "maximum_1": "USD",
        "cash_only_after": "2",
        "window_days": "365",
        "cash_only_days": "365",
        "tiers-TOTAL_FORMS": "3",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
    }
    for i, (up_to, fee) in enumerate([("50.00", "25.00"), ("300.00", "30.00"), ("", "40.00")]):
        data |= {
            f"tiers-{i}-up_to_0": up_to,
            f"tiers-{i}-up_to_1": "USD",
            f"tiers-{i}-fee_0": fee,
            f"tiers-{i}-fee_1": "USD",
        }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = ReturnFeeSchedule.objects.get(name="State rule 2027")
    assert returned_payment_fee(D("800.10"), rule_of(schedule)) == D("40.01")
    assert returned_payment_fee(D("50.00"), rule_of(schedule)) == D("25.00")

    client.force_login(alice)  # a clerk is not staff: the admin sends them to its login
    assert client.get(url).status_code == 302
