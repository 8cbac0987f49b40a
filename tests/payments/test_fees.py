"""Returned-payment fee schedules kept in the admin. The fee rule itself, at every
boundary, is tested in tests/common/test_fees.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payments.fees import returned_payment_fee, rule_of
from payments.models import ReturnFeeSchedule

D = Decimal


@pytest.mark.django_db
def test_it_lets_an_administrator_keep_a_schedule_with_tiers_in_the_admin(
    client, frank, alice
) -> None:
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
