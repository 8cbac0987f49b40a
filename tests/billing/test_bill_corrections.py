"""Cancel and rebill: a posted bill is never edited; cancelling reverses its charges in
the open business day with a reason; the rebill from a corrected read posts the right
amount with the next number; the balance and its history follow."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from billing.bills.corrections import bill_cancel, bill_rebill
from billing.models import MeterRead
from billing.services.reads import meter_read_correct
from ledger.models import JournalTransaction

from .bill_helpers import END, accounts, calculated, posted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_cancels_and_rebills_from_a_corrected_read(bob, business_day):
    (account,) = accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    wrong = MeterRead.objects.get(premise_id=account.premise_id, read_date=END)
    meter_read_correct(read=wrong, reading=D("15000"), reason="misread 17 for 15", acting_user=bob)
    cancelled = bill_cancel(bill=bill, reason="misread", acting_user=bob)
    assert cancelled.status == "cancelled" and cancelled.reversal.reversal_of == bill.transaction
    assert cancelled.reversal.business_date == business_day.date
    assert cancelled.amount_due.amount == D("49.70")  # kept as printed
    account.refresh_from_db()
    assert account.balance.amount == D("0.00")
    rebill = bill_rebill(bill=cancelled, acting_user=bob)
    assert rebill.status == "posted" and rebill.rebill_of == cancelled
    assert rebill.number == bill.number + 1
    assert rebill.new_charges.amount == D("43.50")  # 12.50 + 10 kgal x 3.10
    account.refresh_from_db()
    assert account.balance.amount == D("43.50") == rebill.amount_due.amount
    reasons = [h.history_change_reason for h in account.history.order_by("history_id")]
    assert f"Transaction #{bill.transaction_id} (charge)" in reasons[-3]
    assert f"Transaction #{cancelled.reversal_id} (reversal)" in reasons[-2]
    assert f"Transaction #{rebill.transaction_id} (charge)" in reasons[-1]
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 discrepancies" in out.getvalue()


def test_it_refuses_to_cancel_twice_or_rebill_a_live_bill(bob, business_day):
    accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    with pytest.raises(ValidationError, match="Cancel the bill first"):
        bill_rebill(bill=bill, acting_user=bob)
    bill_cancel(bill=bill, reason="rate", acting_user=bob)
    with pytest.raises(ValidationError, match="Only a posted bill"):
        bill_cancel(bill=bill, reason="rate", acting_user=bob)
    assert JournalTransaction.objects.filter(kind="reversal").count() == 1


def test_it_refuses_a_clerk_cancelling(alice, bob, business_day):
    accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    with pytest.raises(PermissionDenied):
        bill_cancel(bill=bill, reason="misread", acting_user=alice)


def test_it_needs_a_reason(bob, business_day):
    accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    with pytest.raises(ValidationError):
        bill_cancel(bill=bill, reason="", acting_user=bob)
    with pytest.raises(ValidationError):
        bill_cancel(bill=bill, reason="other", note=" ", acting_user=bob)


def test_it_shows_bills_and_cancelled_bills_in_the_account_activity(client, bob, business_day):
    (account,) = accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    bill_cancel(bill=bill, reason="misread", acting_user=bob)
    client.force_login(bob)
    body = client.get(f"/accounts/{account.pk}/").content.decode()
    assert body.count(f"Bill {bill.number}</a>") == 2  # the charge and its reversal
    assert "<strong>cancelled</strong>" in body
    assert f"due {bill.due_date:%Y-%m-%d}" in body
