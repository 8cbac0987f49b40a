"""A posted final bill applies the deposit held and asks for a refund of the rest, by
itself (billing's after-final-bill hook, filled in by collections): from the stop-service
service here; the service-order path is in tests/service_orders/test_effects.py (applied
once)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from adjustments.refund_models import Refund
from billing.bills.final import stop_service
from collections_app.models import SecurityDeposit
from ledger import services as ledger
from ledger.selectors import deposit_held
from tests.billing.bill_helpers import accounts, calculated, posted
from tests.billing.test_first_final_bills import account_meter

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_applies_the_deposit_to_the_final_bill_and_refunds_the_rest(bob, business_day):
    (account,) = accounts(bob, 1)  # October: $49.70
    posted(bob, calculated(bob))
    taken = ledger.deposit_take(
        account=account, amount=D("100.00"), memo="Deposit", acting_user=bob
    )
    SecurityDeposit.objects.create(
        account=account, amount=D("100.00"), taken_on=taken.business_date,
        transaction_id=taken.pk, taken_by=bob,
    )  # fmt: skip
    bill = stop_service(account=account, on=date(2026, 11, 15), acting_user=bob,
                        readings=[(account_meter(account), D("17600"))])  # fmt: skip
    assert bill.amount_due.amount == D("57.81")
    account.refresh_from_db()
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("42.19")
    refund = Refund.objects.get(account=account)
    assert refund.source == "deposit" and refund.amount.amount == D("42.19")
    assert SecurityDeposit.objects.get(account=account).returned_on is not None
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 discrepancies" in out.getvalue()
