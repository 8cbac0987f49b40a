"""Returned checks and chargebacks after the day closed: reversal, fee, notes, cash only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.choices import FlagKind, NoteKind
from accounts.models import AccountNote
from payments import services
from payments.choices import PaymentStatus, ReturnKind
from payments.models import ReturnedPayment, ReturnFeeSchedule
from payments.selectors import is_cash_only
from payments.services import AccountPart
from tests.factories import make_account

from .helpers import balance, card, cash, charge, check, open_by_service, open_drawer, pay
from .returns_helpers import close_day

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def drawer(alice, business_day):
    return open_drawer(alice)


def _return(payment, by, kind=ReturnKind.RETURNED_CHECK, reason="NSF"):
    return services.payment_return(payment=payment, kind=kind, reason=reason, acting_user=by)


def test_a_returned_check_after_closeout_is_reversed_with_a_fee(
    alice, bob, account, drawer
) -> None:
    charge(account, bob, water="120.00")
    payment = pay(alice, drawer, account, "120.00", check("120.00", "3001"))
    closeout = close_day(alice)
    returned = _return(payment, bob)
    assert returned.reversal.business_date == closeout.next_date
    assert returned.reversal.reversal_of_id == payment.transaction_id
    assert returned.fee.amount == D("30.00")  # 50.01-300.00 tier; 5% is only 6.00
    assert balance(account) == D("150.00")
    assert open_by_service(account) == {"WATER": D("120.00"), "RPF": D("30.00")}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.RETURNED
    note = AccountNote.objects.get(account=account, kind=NoteKind.SYSTEM)
    assert "Returned check" in note.text and "fee 30.00" in note.text


def test_the_same_day_is_a_void_not_a_return(alice, bob, account, drawer) -> None:
    payment = pay(alice, drawer, account, "20.00", check("20.00"))
    with pytest.raises(ValidationError, match="voids it instead"):
        _return(payment, bob)


def test_a_clerk_cannot_record_a_return(alice, account, drawer) -> None:
    payment = pay(alice, drawer, account, "20.00", check("20.00"))
    close_day(alice)
    with pytest.raises(PermissionDenied):
        _return(payment, alice)
    assert not ReturnedPayment.objects.exists()


def test_a_chargeback_needs_a_card_and_a_payment_returns_once(
    alice, bob, carol, account, drawer
) -> None:
    paid_cash = pay(alice, drawer, account, "20.00", cash("20.00"))
    paid_card = pay(alice, drawer, account, "15.00", card("15.00"))
    close_day(alice)
    with pytest.raises(ValidationError, match="no card"):
        _return(paid_cash, bob, ReturnKind.CHARGEBACK)
    done = _return(paid_card, carol, ReturnKind.CHARGEBACK, "Disputed")
    assert done.fee.amount == D("25.00")
    with pytest.raises(ValidationError, match="returned"):
        _return(paid_card, carol, ReturnKind.CHARGEBACK, "Again")


def test_two_returns_within_the_window_make_the_account_cash_only(
    alice, bob, account, drawer
) -> None:
    first = pay(alice, drawer, account, "40.00", check("40.00", "11"))
    second = pay(alice, drawer, account, "60.00", check("60.00", "12"))
    close_day(alice)
    assert _return(first, bob).made_cash_only is False
    done = _return(second, bob)
    assert done.made_cash_only is True
    assert is_cash_only(account, on=done.business_date)
    flag = account.flags.get(kind=FlagKind.CASH_ONLY)
    assert flag.expires_on == done.business_date + timedelta(days=365)
    assert "now cash only" in AccountNote.objects.filter(account=account).first().text


def test_returns_outside_the_window_do_not_count(alice, bob, account, drawer) -> None:
    schedule = ReturnFeeSchedule.objects.get(is_active=True)
    schedule.window_days = 90
    schedule.save()
    first = pay(alice, drawer, account, "40.00", check("40.00", "11"))
    second = pay(alice, drawer, account, "60.00", check("60.00", "12"))
    close_day(alice)
    old = _return(first, bob)
    ReturnedPayment.objects.filter(pk=old.pk).update(
        business_date=old.business_date - timedelta(days=90)
    )
    assert _return(second, bob).made_cash_only is False
    assert not is_cash_only(account, on=old.business_date)


def test_a_landlords_return_charges_one_fee_and_notes_every_unit(
    alice, bob, account, drawer
) -> None:
    other = make_account(bob)
    payment = services.payment_take(
        drawer=drawer,
        accounts=[
            AccountPart(account=account, amount=D("30.00"), field="account_0"),
            AccountPart(account=other, amount=D("70.00"), field="account_1"),
        ],
        tenders=[check("100.00", "900")],
        acting_user=alice,
    )
    close_day(alice)
    done = _return(payment, bob)
    assert done.fee_account == other and done.fee.amount == D("30.00")
    assert balance(account) == D("0.00") and balance(other) == D("30.00")  # credits undone
    assert AccountNote.objects.filter(kind=NoteKind.SYSTEM).count() == 2


def test_a_bounced_check_beside_cash_takes_back_only_the_check(alice, bob, account, drawer) -> None:
    """Receipt: 60.00 cash + a 100.00 check paying two accounts (98.19 and 60.00)."""
    other = make_account(bob)
    charge(account, bob, water="98.19")
    charge(other, bob, water="60.00")
    payment = services.payment_take(
        drawer=drawer,
        accounts=[AccountPart(account=account, amount=D("98.19")), AccountPart(other, D("60.00"))],
        tenders=[cash("60.00"), check("100.00", "778")],
        acting_user=alice,
    )
    assert payment.change_due.amount == D("1.81")
    close_day(alice)
    returned = _return(payment, bob)
    # The bank took back 100.00; the 58.19 of cash kept (60.00 - 1.81 change) stays paid,
    # on the receipt's first account. The fee is on 100.00: the 50.01-300.00 tier.
    assert returned.amount.amount == D("100.00")
    assert returned.fee.amount == D("30.00")
    assert balance(account) == D("98.19") - D("58.19") + D("30.00")
    assert balance(other) == D("60.00")
    note = AccountNote.objects.get(account=account, kind=NoteKind.SYSTEM)
    assert "58.19 paid by other tenders stays paid" in note.text
    assert f"of {payment.business_date}" in note.text  # the receipt's day, not the return's


def test_a_bounced_check_on_a_permit_keeps_the_cash_as_revenue(alice, bob, drawer) -> None:
    from payments.models import MiscRevenueItem
    from payments.services import MiscPart

    from .helpers import gl_total

    permit = MiscRevenueItem.objects.get(name="Building permit")
    cash_gl = "999-1010"  # pooled cash (ledger/fixtures/gl_chart.json)
    payment = services.payment_take(
        drawer=drawer,
        misc=[MiscPart(item=permit, amount=D("100.00"))],
        tenders=[cash("40.00"), check("60.00", "612")],
        acting_user=alice,
    )
    close_day(alice)
    returned = _return(payment, bob)
    assert returned.amount.amount == D("60.00")
    assert gl_total("001-4610") == D("-40.00")  # revenue kept: the 40.00 cash
    cash_line = returned.reversal.entries.get(gl_account__code=cash_gl)
    assert cash_line.amount.amount == D("-60.00")  # the bank took back the check, no more


def test_a_bounced_check_beside_cash_on_a_closed_account_is_recorded(
    alice, bob, account, drawer
) -> None:
    from accounts.choices import AccountStatus
    from accounts.services import account_change_status

    charge(account, bob, water="100.00")
    payment = services.payment_take(
        drawer=drawer,
        accounts=[AccountPart(account=account, amount=D("100.00"))],
        tenders=[cash("40.00"), check("60.00", "613")],
        acting_user=alice,
    )
    close_day(alice)
    for status in (AccountStatus.FINAL, AccountStatus.CLOSED):
        account_change_status(account=account, to=status, acting_user=bob, reason="Moved out")
    returned = _return(payment, bob)
    assert returned.amount.amount == D("60.00")
    assert balance(account) == D("60.00")  # owed again: only the check; no fee on a closed one
    assert returned.fee.amount == D("0.00")
