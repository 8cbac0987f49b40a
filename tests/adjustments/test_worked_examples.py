"""Worked examples with balances computed by hand, each followed by its reversal.

The numbers in the comments are the hand computation; the assertions check the
ledger agrees, per service and in total.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from accounts import services as account_services
from adjustments import gl, services
from adjustments.choices import Direction, RequestStatus, TransferOf
from ledger import services as ledger
from ledger.choices import TransactionKind
from ledger.models import GLAccount
from tests.factories import make_account, service

from .helpers import balance, charge, gl_total, open_amounts

pytestmark = pytest.mark.django_db


def test_it_splits_a_leak_adjustment_across_water_and_sewer_and_reverses_it(
    alice, bob, carol, account, leak, business_day
):
    charge(account, bob, WATER="120.00", SEWER="80.00")  # owes 200.00
    req = services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=leak,
        amounts=[(service("WATER"), D("45.00")), (service("SEWER"), D("30.00"))],
        memo="Leak at 12 Oak Ave repaired 11/02; plumber's invoice on file",
        acting_user=alice,
    )
    assert req.amount.amount == D("75.00")
    assert balance(account) == D("200.00")  # nothing posts before approval

    req = services.request_approve(adjustment_request=req, acting_user=bob)

    # 200.00 - 45.00 - 30.00 = 125.00; water 120 - 45 = 75, sewer 80 - 30 = 50
    assert req.status == RequestStatus.POSTED
    assert req.posting.kind == TransactionKind.ADJUSTMENT
    assert balance(account) == D("125.00")
    assert open_amounts(account) == {"WATER": D("75.00"), "SEWER": D("50.00")}
    # A leak adjustment gives back revenue of the service adjusted, fund by fund.
    assert gl_total("410-4110") == D("-75.00")  # water sales: -120 + 45
    assert gl_total("420-4110") == D("-50.00")  # sewer charges: -80 + 30

    req = services.request_reverse(
        adjustment_request=req, reason="Leak claim withdrawn by owner", acting_user=carol
    )

    assert req.status == RequestStatus.REVERSED
    assert req.reversal.reversal_of_id == req.posting.pk
    assert balance(account) == D("200.00")
    assert open_amounts(account) == {"WATER": D("120.00"), "SEWER": D("80.00")}
    assert gl_total("410-4110") == D("-120.00")


def test_it_offsets_a_courtesy_credit_against_its_own_gl_account(
    alice, bob, account, courtesy, business_day
):
    charge(account, bob, WATER="50.00")
    req = services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=courtesy,
        amounts=[(service("WATER"), D("10.00"))],
        memo="Missed appointment",
        acting_user=alice,
    )
    services.request_approve(adjustment_request=req, acting_user=bob)
    assert balance(account) == D("40.00")
    assert gl_total("001-5920") == D("10.00")  # expense, not a cut in water revenue
    assert gl_total("410-4110") == D("-50.00")


def test_it_posts_a_debit_adjustment(alice, bob, account, leak, business_day):
    charge(account, bob, SEWER="20.00")
    req = services.request_adjustment(
        account=account,
        direction=Direction.DEBIT,
        reason=leak,
        amounts=[(service("SEWER"), D("7.25"))],
        memo="Leak credit given twice in error",
        acting_user=alice,
    )
    services.request_approve(adjustment_request=req, acting_user=bob)
    assert balance(account) == D("27.25")
    assert open_amounts(account) == {"SEWER": D("27.25")}


def _same_customer_pair(bob):
    old = make_account(bob)
    new = make_account(bob, customer=old.customer)
    return old, new


def test_it_transfers_a_balance_between_two_accounts_and_reverses_it(
    alice, bob, carol, business_day
):
    old, new = _same_customer_pair(bob)
    charge(old, bob, PEN="5.00", WATER="60.00")  # move-out account owes 65.00
    charge(new, bob, WATER="40.00")  # move-in account owes 40.00
    req = services.request_transfer(
        from_account=old,
        to_account=new,
        transfer_of=TransferOf.BALANCE,
        amount=D("65.00"),
        memo="Final bill from 12 Oak Ave moved to new home",
        acting_user=alice,
    )
    req = services.request_approve(adjustment_request=req, acting_user=bob)

    # old: 65.00 - 65.00 = 0.00; new: 40.00 + 65.00 = 105.00 (penalty 5, water 40 + 60)
    assert req.posting.kind == TransactionKind.TRANSFER
    assert balance(old) == D("0.00")
    assert balance(new) == D("105.00")
    assert open_amounts(new) == {"PEN": D("5.00"), "WATER": D("100.00")}

    services.request_reverse(adjustment_request=req, reason="Wrong account", acting_user=carol)
    assert balance(old) == D("65.00")
    assert balance(new) == D("40.00")
    assert open_amounts(old) == {"PEN": D("5.00"), "WATER": D("60.00")}


def test_it_transfers_a_credit_and_reverses_it(alice, bob, carol, business_day):
    old, new = _same_customer_pair(bob)
    ledger.post_payment(account=old, amount=D("25.00"), memo="Overpaid", acting_user=bob)
    charge(new, bob, WATER="40.00")
    req = services.request_transfer(
        from_account=old,
        to_account=new,
        transfer_of=TransferOf.CREDIT,
        amount=D("25.00"),
        memo="Credit follows the customer",
        acting_user=alice,
    )
    services.request_approve(adjustment_request=req, acting_user=bob)

    # old: -25.00 + 25.00 = 0.00; new: 40.00 - 25.00 = 15.00, applied to water
    assert balance(old) == D("0.00")
    assert balance(new) == D("15.00")
    assert open_amounts(new) == {"WATER": D("15.00")}

    services.request_reverse(adjustment_request=req, reason="Customer asked", acting_user=carol)
    assert balance(old) == D("-25.00")
    assert balance(new) == D("40.00")
    assert open_amounts(new) == {"WATER": D("40.00")}


def test_it_consolidates_three_sub_accounts_into_the_master_and_reverses_it(
    alice, bob, carol, business_day
):
    master = make_account(bob, is_master=True)
    subs = [make_account(bob, master=master) for _ in range(3)]
    charge(master, bob, WATER="10.00")
    charge(subs[0], bob, WATER="30.00", SEWER="20.00")  # 50.00
    charge(subs[1], bob, WATER="75.25")  # 75.25
    ledger.post_payment(account=subs[2], amount=D("15.00"), memo="Prepaid", acting_user=bob)
    req = services.request_consolidation(
        master=master, memo="Monthly consolidation, Pine Court", acting_user=bob
    )
    assert req.amount.amount == D("140.25")  # 50.00 + 75.25 + 15.00 moved in all

    req = services.request_approve(adjustment_request=req, acting_user=carol)

    # master: 10.00 + 50.00 + 75.25 - 15.00 = 120.25; the 15.00 credit pays water first
    assert [balance(s) for s in subs] == [D("0.00")] * 3
    assert balance(master) == D("120.25")
    assert open_amounts(master) == {"WATER": D("100.25"), "SEWER": D("20.00")}
    # One transaction for all three: 2 lines each for water and sewer of the first
    # sub, 2 for water of the second, 2 for the third's credit.
    assert req.posting.entries.count() == 8

    services.request_reverse(adjustment_request=req, reason="Owner disputes", acting_user=carol)
    assert [balance(s) for s in subs] == [D("50.00"), D("75.25"), D("-15.00")]
    assert balance(master) == D("10.00")


def test_it_posts_a_balanced_gl_adjustment_and_reverses_it(bob, carol, business_day):
    over_short = GLAccount.objects.get(code="001-5910")
    copies = GLAccount.objects.get(code="001-4630")
    draft = gl.gl_draft_save(
        draft=None,
        memo="Copy fees recorded as over/short on 11/20",
        lines=[gl.DraftLine(copies, D("-12.50")), gl.DraftLine(over_short, D("12.50"))],
        acting_user=bob,
    )
    req = gl.gl_draft_submit(draft=draft, acting_user=bob)
    req = services.request_approve(adjustment_request=req, acting_user=carol)

    assert req.posting.kind == TransactionKind.GL_ADJUSTMENT
    assert gl_total("001-5910") == D("12.50")
    assert gl_total("001-4630") == D("-12.50")

    services.request_reverse(adjustment_request=req, reason="Posted twice", acting_user=carol)
    assert gl_total("001-5910") == D("0.00")
    assert gl_total("001-4630") == D("0.00")


def test_it_notes_the_request_the_decision_and_the_posting_on_the_account(
    alice, bob, account, leak, business_day
):
    charge(account, bob, WATER="50.00")
    req = services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=leak,
        amounts=[(service("WATER"), D("20.00"))],
        memo="Leak",
        acting_user=alice,
    )
    req = services.request_approve(adjustment_request=req, acting_user=bob)
    notes = [n.text for n in account.notes.order_by("created_at", "id")]
    assert notes[0].startswith(f"Adjustment request {req.number} by alice: credit $20.00")
    assert f"approved by bob and posted as ledger transaction #{req.posting.pk}" in notes[1]


def test_it_refuses_a_transfer_into_an_account_closed_after_the_request(alice, bob, business_day):
    old, new = _same_customer_pair(bob)
    charge(old, bob, WATER="10.00")
    req = services.request_transfer(
        from_account=old,
        to_account=new,
        transfer_of=TransferOf.BALANCE,
        amount=D("10.00"),
        memo="Move",
        acting_user=alice,
    )
    for status in ("final", "closed"):
        account_services.account_change_status(
            account=new, to=status, acting_user=bob, reason="Moved out"
        )
    with pytest.raises(Exception, match="closed since the request"):
        services.request_approve(adjustment_request=req, acting_user=bob)
    assert balance(old) == D("10.00")
