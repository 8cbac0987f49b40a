from __future__ import annotations

from decimal import Decimal as D

import pytest

from ledger import services
from tests.factories import service

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_allocates_by_payment_order_and_keeps_credit(bob, account, business_day):
    services.post_charges(
        account=account,
        charges=[(service("WATER"), D("40.00")), (service("SEWER"), D("30.00"))],
        memo="November bill",
        acting_user=bob,
    )
    services.post_payment(account=account, amount=D("50.00"), memo="Cash", acting_user=bob)
    account.refresh_from_db()
    assert account.balance.amount == D("20.00")
    services.post_payment(account=account, amount=D("30.00"), memo="Cash", acting_user=bob)
    account.refresh_from_db()
    assert account.balance.amount == D("-10.00")
    services.post_charges(
        account=account, charges=[(service("WATER"), D("25.00"))], memo="Dec", acting_user=bob
    )
    account.refresh_from_db()
    assert account.balance.amount == D("15.00")
