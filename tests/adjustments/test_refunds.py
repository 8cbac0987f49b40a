"""Refunds of a customer's credit: request, approval by a second person, the posting to
refunds payable, the refusals, and the deposit path of issue 14 (docs/refunds.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from accounts import services as account_services
from accounts.choices import AccountStatus, NoteKind
from adjustments.choices import RefundPayee, RefundSource, RefundStatus
from adjustments.refunds import requests
from adjustments.refunds.requests import PayeeIn
from ledger import services as ledger
from ledger.models import DepositHeld, JournalEntry
from tests.adjustments.helpers import balance, charge, gl_total
from tests.adjustments.refund_helpers import account_with_credit, request_refund
from tests.factories import make_account

D = Decimal
CARD = "4111 1111 1111 1111"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_day(business_day: Any) -> None:
    """Every refund test posts into the open business day."""


def test_it_posts_an_approved_refund_from_credit_to_refunds_payable(bob, carol) -> None:
    account = account_with_credit(bob, "30.00")
    assert balance(account) == D("-30.00")
    refund = request_refund(account, bob, "30.00")
    assert refund.status == RefundStatus.PENDING and refund.posting is None
    assert balance(account) == D("-30.00")  # nothing moves before approval

    requests.refund_approve(refund=refund, acting_user=carol, note="Checked")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED and refund.decided_by == carol
    assert balance(account) == D("0.00")
    lines = {e.gl_account.code: e.amount.amount for e in refund.posting.entries.all()}
    assert lines == {"999-2100": D("30.00"), "999-2300": D("-30.00")}
    assert refund.posting.kind == "refund" and refund.posting.created_by == carol
    assert gl_total("999-2300") == D("-30.00")
    last = account.history.order_by("-history_id").first()
    assert last.history_user == carol
    assert f"#{refund.posting.pk}" in last.history_change_reason
    reasons = list(refund.history.values_list("history_change_reason", flat=True))
    assert reasons[-1] == "Requested" and "Approved; posted" in reasons[0]
    notes = list(account.notes.filter(kind=NoteKind.SYSTEM).values_list("text", flat=True))
    assert any("requested" in n for n in notes) and any("approved and posted" in n for n in notes)
    call_command("verify_ledger")


def test_it_refunds_part_of_the_credit_and_leaves_the_rest(bob, carol) -> None:
    account = account_with_credit(bob, "30.00")
    requests.refund_approve(refund=request_refund(account, bob, "12.50"), acting_user=carol)
    assert balance(account) == D("-17.50")


def test_it_pays_a_named_payee_at_the_address_given(bob, carol) -> None:
    account = account_with_credit(bob)
    payee = PayeeIn(
        RefundPayee.OTHER, "Estate of Pat Payer", "9 Elm St", "", "Tampa", "fl", "33601"
    )
    refund = request_refund(account, bob, payee=payee)
    assert refund.payee_name == "Estate of Pat Payer"
    assert refund.payee_address() == "9 Elm St\nTampa, FL 33601"


def test_it_asks_a_named_payee_for_a_name_and_address(bob) -> None:
    account = account_with_credit(bob)
    with pytest.raises(ValidationError) as refused:
        request_refund(account, bob, payee=PayeeIn(RefundPayee.OTHER))
    assert {"payee_name", "payee_line1", "payee_city"} <= set(refused.value.error_dict)


def test_it_defaults_the_payee_to_the_forwarding_address(bob) -> None:
    account = account_with_credit(bob)
    account_services.account_set_forwarding_address(
        account=account,
        line1="12 New Rd",
        city="Quincy",
        state="fl",
        zip_code="32351",
        acting_user=bob,
    )
    refund = request_refund(account, bob)
    assert refund.payee_name == account.customer.display_name
    assert (refund.payee_line1, refund.payee_city, refund.payee_state) == (
        "12 New Rd",
        "Quincy",
        "FL",
    )


def test_it_defaults_the_payee_to_the_mailing_address_without_a_forwarding_one(bob) -> None:
    account = account_with_credit(bob)
    refund = request_refund(account, bob)
    assert refund.payee_line1 == account.customer.mailing_line1


@pytest.mark.parametrize("amount", ["30.01", "500.00"])
def test_it_refuses_more_than_the_credit(bob, amount) -> None:
    account = account_with_credit(bob, "30.00")
    with pytest.raises(ValidationError) as refused:
        request_refund(account, bob, amount)
    assert "$30.00" in refused.value.error_dict["amount"][0].message


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.001", "1000000000000.00"])
def test_it_refuses_zero_negative_and_huge_amounts(bob, amount) -> None:
    account = account_with_credit(bob)
    with pytest.raises(ValidationError) as refused:
        request_refund(account, bob, amount)
    assert "amount" in refused.value.error_dict


def test_it_refuses_an_account_without_credit(bob) -> None:
    owing = make_account(bob)
    charge(owing, bob, WATER="40.00")
    with pytest.raises(ValidationError) as refused:
        request_refund(owing, bob, "10.00")
    assert "no credit" in refused.value.error_dict["amount"][0].message


def test_it_counts_refunds_already_waiting(bob) -> None:
    account = account_with_credit(bob, "30.00")
    request_refund(account, bob, "20.00")
    with pytest.raises(ValidationError) as refused:
        request_refund(account, bob, "20.00")
    assert "$10.00 of credit left" in refused.value.error_dict["amount"][0].message


@pytest.mark.parametrize(
    "where",
    [
        {"memo": f"paid {CARD}"},
        {"payee": PayeeIn(RefundPayee.OTHER, CARD, "1 A St", "", "X", "FL", "32301")},
    ],
)
def test_it_refuses_card_numbers_in_the_text(bob, where) -> None:
    account = account_with_credit(bob)
    fields = {"memo": "Overpaid", **where}
    with pytest.raises(ValidationError) as refused:
        requests.refund_request(account=account, amount=D("5.00"), acting_user=bob, **fields)
    assert any("card number" in m for m in refused.value.messages)


def test_it_refuses_a_clerk_requesting_a_refund(alice, bob) -> None:
    account = account_with_credit(bob)
    with pytest.raises(PermissionDenied):
        request_refund(account, alice)


def test_it_refuses_approving_your_own_refund(carol) -> None:
    account = account_with_credit(carol)
    refund = request_refund(account, carol)
    with pytest.raises(ValidationError) as refused:
        requests.refund_approve(refund=refund, acting_user=carol)
    assert "own request" in refused.value.messages[0]
    assert balance(account) == D("-30.00")


def test_it_refuses_a_coordinator_approving(bob, carol) -> None:
    refund = request_refund(account_with_credit(carol), carol)
    with pytest.raises(PermissionDenied):
        requests.refund_approve(refund=refund, acting_user=bob)


def test_it_refuses_approval_when_the_credit_was_used_since(bob, carol) -> None:
    account = account_with_credit(bob, "30.00")
    refund = request_refund(account, bob, "30.00")
    charge(account, bob, SEWER="20.00")  # the next bill consumes $20.00 of the credit
    with pytest.raises(ValidationError) as refused:
        requests.refund_approve(refund=refund, acting_user=carol)
    assert "credit of $10.00" in refused.value.messages[0]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING


def test_it_rejects_with_a_reason_and_moves_nothing(bob, carol) -> None:
    account = account_with_credit(bob)
    refund = requests.refund_reject(
        refund=request_refund(account, bob), reason="Customer asked to keep it", acting_user=carol
    )
    assert refund.status == RefundStatus.REJECTED and refund.decision_note
    assert balance(account) == D("-30.00")


def test_only_the_requester_withdraws(bob, carol) -> None:
    refund = request_refund(account_with_credit(bob), bob)
    with pytest.raises(ValidationError):
        requests.refund_withdraw(refund=refund, acting_user=carol)
    assert requests.refund_withdraw(refund=refund, acting_user=bob).status == RefundStatus.WITHDRAWN


def test_it_refunds_a_final_account_and_it_can_close(bob, carol) -> None:
    account = account_with_credit(bob)
    account_services.account_change_status(
        account=account, to=AccountStatus.FINAL, acting_user=bob, reason="Moved out"
    )
    requests.refund_approve(refund=request_refund(account, bob), acting_user=carol)
    closed = account_services.account_change_status(
        account=account, to=AccountStatus.CLOSED, acting_user=carol, reason="Refunded"
    )
    assert closed.status == AccountStatus.CLOSED


def test_it_refunds_a_deposit_through_the_same_path(bob, carol) -> None:
    account = make_account(bob)
    ledger.deposit_take(account=account, amount=D("150.00"), memo="Deposit", acting_user=bob)
    refund = request_refund(account, bob, "150.00", source=RefundSource.DEPOSIT)
    requests.refund_approve(refund=refund, acting_user=carol)
    refund.refresh_from_db()
    assert DepositHeld.objects.get(account=account).amount.amount == D("0.00")
    lines = {e.gl_account.code: e.amount.amount for e in refund.posting.entries.all()}
    assert lines == {"999-2200": D("150.00"), "999-2300": D("-150.00")}
    assert balance(account) == D("0.00")
    call_command("verify_ledger")


def test_it_refuses_a_deposit_refund_above_what_is_held(bob) -> None:
    account = make_account(bob)
    ledger.deposit_take(account=account, amount=D("50.00"), memo="Deposit", acting_user=bob)
    with pytest.raises(ValidationError):
        request_refund(account, bob, "60.00", source=RefundSource.DEPOSIT)


def test_the_ledger_refuses_a_refund_above_the_credit_even_when_called_directly(bob, carol) -> None:
    account = account_with_credit(bob, "30.00")
    with pytest.raises(ValidationError):
        ledger.credit_refund(account=account, amount=D("31.00"), memo="x", acting_user=carol)
    with pytest.raises(PermissionDenied):
        ledger.credit_refund(account=account, amount=D("1.00"), memo="x", acting_user=bob)
    assert not JournalEntry.objects.filter(gl_account__code="999-2300").exists()
