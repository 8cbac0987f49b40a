"""One-time charges: a fee from the administrator's list posted to an account through
the ledger (its own GL revenue account), maker-checker above the limit, shown on the
next bill as its own line."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from billing.bill_pdf import bill_pdf
from billing.models import MiscFee, OneTimeCharge
from billing.services.one_time import (
    one_time_charge_approve,
    one_time_charge_reject,
    post_one_time_charge,
)
from ledger.models import JournalEntry

from .bill_helpers import accounts, calculated, posted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fee(code: str) -> MiscFee:
    return MiscFee.objects.select_related("service", "revenue_gl").get(code=code)


def test_it_posts_a_fixed_fee_at_once_to_its_revenue_account(bob, account, business_day):
    charge = post_one_time_charge(
        account=account, fee=fee("meter-pull"), reason="Meter pulled for non-payment",
        acting_user=bob,
    )  # fmt: skip
    assert charge.status == "posted" and charge.amount.amount == D("75.00")
    entries = dict(
        JournalEntry.objects.filter(transaction=charge.transaction).values_list(
            "gl_account__code", "amount"
        )
    )
    assert entries == {"410-1240": D("75.00"), "410-4160": D("-75.00")}
    assert charge.transaction.kind == "fee"
    account.refresh_from_db()
    assert account.balance.amount == D("75.00")
    assert account.history.latest("history_id").history_user == bob


def test_it_holds_a_charge_over_the_limit_for_a_second_person(
    alice, bob, carol, account, business_day
):
    charge = post_one_time_charge(
        account=account, fee=fee("meter-tampering"), reason="Seal broken", acting_user=bob
    )
    assert charge.status == "pending" and charge.transaction is None  # $150 > $100
    account.refresh_from_db()
    assert account.balance.amount == D("0.00")
    with pytest.raises(ValidationError, match="Nobody approves their own"):
        one_time_charge_approve(charge=charge, acting_user=bob)
    with pytest.raises(PermissionDenied):
        one_time_charge_approve(charge=charge, acting_user=alice)
    approved = one_time_charge_approve(charge=charge, acting_user=carol)
    assert approved.status == "posted" and approved.decided_by == carol
    account.refresh_from_db()
    assert account.balance.amount == D("150.00")


def test_it_rejects_with_a_reason(bob, carol, account, business_day):
    charge = post_one_time_charge(
        account=account, fee=fee("meter-tampering"), reason="Seal broken", acting_user=bob
    )
    rejected = one_time_charge_reject(
        charge=charge, reason="Photo shows no damage", acting_user=carol
    )
    assert rejected.status == "rejected" and rejected.transaction is None


def test_it_keeps_a_typed_fee_within_its_limits(bob, account, business_day):
    with pytest.raises(ValidationError) as refused:
        post_one_time_charge(
            account=account, fee=fee("collection-processing"), amount=D("80.00"),
            reason="Agency referral", acting_user=bob,
        )  # fmt: skip
    assert refused.value.message_dict["amount"] == [
        "The collection processing fee is $10.00 to $75.00."
    ]
    charge = post_one_time_charge(
        account=account, fee=fee("collection-processing"), amount=D("25.00"),
        reason="Agency referral", acting_user=bob,
    )  # fmt: skip
    assert charge.amount.amount == D("25.00")
    assert OneTimeCharge.objects.count() == 1


def test_it_refuses_a_clerk_and_a_card_number_in_the_reason(alice, bob, account, business_day):
    with pytest.raises(PermissionDenied):
        post_one_time_charge(account=account, fee=fee("meter-pull"), reason="x", acting_user=alice)
    with pytest.raises(ValidationError):
        post_one_time_charge(
            account=account, fee=fee("meter-pull"), reason="card 4111 1111 1111 1111",
            acting_user=bob,
        )  # fmt: skip
    assert OneTimeCharge.objects.count() == 0


def test_it_shows_the_charge_on_the_next_bill_as_its_own_line(client, bob, business_day):
    (account,) = accounts(bob, 1)
    charge = post_one_time_charge(
        account=account, fee=fee("damaged-padlock"), reason="Lock cut", acting_user=bob
    )
    bill = posted(bob, calculated(bob)).bills.get()
    charge.refresh_from_db()
    assert charge.bill == bill
    assert bill.new_charges.amount == D("49.70")  # the bill's own charges
    assert bill.adjustments.amount == D("35.00")  # the charge, already in the balance
    assert bill.amount_due.amount == D("84.70")
    client.force_login(bob)
    body = client.get(f"/billing/bills/{bill.pk}/").content.decode()
    assert 'id="bill-one-time-charges"' in body and "Damaged padlock" in body and "$35.00" in body


def test_it_prints_the_charge_on_the_bill_pdf_inside_other_changes(bob, business_day):
    (account,) = accounts(bob, 1)
    post_one_time_charge(
        account=account, fee=fee("damaged-padlock"), reason="Lock cut", acting_user=bob
    )
    bill = posted(bob, calculated(bob)).bills.get()
    reader = PdfReader(io.BytesIO(bill_pdf(bill=bill, acting_user=bob)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "one-time charge: Damaged padlock (Lock cut)" in text
    assert "$35.00" in text and "$84.70" in text
