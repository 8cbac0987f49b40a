"""Deposits held: a liability held for the account, never part of what the customer owes.

Worked example, computed by hand (payment order WATER 3 before SEWER 4):

1. bill water 60.00 + sewer 40.00            balance 100.00   held   0.00
2. take a 150.00 deposit (cash +150.00)      balance 100.00   held 150.00
3. apply 120.00: water 60, sewer 40, 20 credit  balance -20.00 held 30.00
4. refund the rest (cash -30.00)             balance -20.00   held   0.00
   cash GL: +150.00 - 30.00 = 120.00; deposits-held GL: -150 + 120 + 30 = 0.00
"""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction

from accounts.models import Account
from ledger import selectors, services
from ledger.errors import PostingRefused
from ledger.models import DepositHeld, JournalEntry
from tests.factories import service

from .book import CREDIT, balance, entries_total, gl_totals, lines, open_amounts
from .test_database_guards import gl, insert_entry, insert_transaction, refused, sql

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CASH, DEPOSITS, UNAPPLIED = "999-1010", "999-2200", "999-2100"


def held(account: Account) -> D:
    return selectors.deposit_held(account.pk)


def verify() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


@pytest.fixture
def billed(alice, account, business_day) -> Account:
    services.post_charges(
        account=account,
        charges=[(service("WATER"), D("60.00")), (service("SEWER"), D("40.00"))],
        memo="Bill",
        acting_user=alice,
    )
    return account


def test_it_holds_applies_and_refunds_a_deposit_worked_example(alice, bob, billed):
    taken = services.deposit_take(
        account=billed, amount=D("150.00"), memo="Deposit, new tenant", acting_user=alice
    )
    assert taken.kind == "deposit"
    assert lines(taken) == [(CASH, D("150.00"), None), (DEPOSITS, D("-150.00"), None)]
    assert (balance(billed), held(billed)) == (D("100.00"), D("150.00"))
    assert JournalEntry.objects.get(transaction=taken, amount=-150).deposit_account_id == billed.pk

    applied = services.deposit_apply(
        account=billed, amount=D("120.00"), memo="Deposit to final bill", acting_user=bob
    )
    assert lines(applied) == [
        (DEPOSITS, D("120.00"), None),
        ("410-1210", D("-60.00"), "WATER"),
        ("420-1210", D("-40.00"), "SEWER"),
        (UNAPPLIED, D("-20.00"), None),
    ]
    assert (balance(billed), held(billed)) == (D("-20.00"), D("30.00"))
    assert open_amounts(billed) == {CREDIT: D("-20.00")}

    refunded = services.deposit_refund(account=billed, memo="Refund the rest", acting_user=bob)
    assert lines(refunded) == [(DEPOSITS, D("30.00"), None), (CASH, D("-30.00"), None)]
    assert (balance(billed), held(billed)) == (D("-20.00"), D("0.00"))
    assert entries_total(billed) == D("-20.00")  # deposit lines are not the account's entries
    assert gl_totals()[CASH] == D("120.00")
    assert DEPOSITS not in gl_totals()
    assert ": 0 discrepancies" in verify()


def test_it_writes_a_deposit_history_row_per_change_and_none_on_the_balance(alice, bob, billed):
    taken = services.deposit_take(account=billed, amount=D("75.00"), memo="Dep", acting_user=alice)
    refunded = services.deposit_refund(
        account=billed, amount=D("25.00"), memo="Part", acting_user=bob
    )

    rows = DepositHeld.history.filter(account_id=billed.pk).order_by("history_id")
    assert [(r.amount.amount, r.history_user, r.history_change_reason) for r in rows] == [
        (D("75.00"), alice, f"Transaction #{taken.pk} (deposit): Dep"),
        (D("50.00"), bob, f"Transaction #{refunded.pk} (deposit): Part"),
    ]
    assert not Account.history.filter(
        id=billed.pk, history_change_reason__startswith=f"Transaction #{taken.pk} "
    ).exists()


def test_it_refuses_applying_or_refunding_more_than_is_held(alice, bob, billed):
    services.deposit_take(account=billed, amount=D("50.00"), memo="Dep", acting_user=alice)

    with pytest.raises(PostingRefused, match=r"holds a deposit of 50\.00, not 50\.01"):
        services.deposit_apply(account=billed, amount=D("50.01"), memo="x", acting_user=bob)
    services.deposit_refund(account=billed, memo="All", acting_user=bob)
    with pytest.raises(PostingRefused, match="holds no deposit"):
        services.deposit_refund(account=billed, memo="Again", acting_user=bob)

    assert held(billed) == D("0.00")


def test_it_refuses_applying_and_refunding_to_a_clerk_and_taking_to_an_auditor(alice, erin, billed):
    services.deposit_take(account=billed, amount=D("50.00"), memo="Dep", acting_user=alice)

    with pytest.raises(PermissionDenied):
        services.deposit_apply(account=billed, memo="x", acting_user=alice)
    with pytest.raises(PermissionDenied):
        services.deposit_refund(account=billed, memo="x", acting_user=alice)
    with pytest.raises(PermissionDenied):
        services.deposit_take(account=billed, amount=D("1.00"), memo="x", acting_user=erin)

    assert (balance(billed), held(billed)) == (D("100.00"), D("50.00"))


def test_it_reverses_a_deposit_taken_but_not_one_already_refunded(alice, bob, carol, billed):
    taken = services.deposit_take(account=billed, amount=D("40.00"), memo="Dep", acting_user=alice)
    services.reverse_transaction(original=taken, memo="Wrong account", acting_user=carol)
    assert held(billed) == D("0.00")

    again = services.deposit_take(account=billed, amount=D("40.00"), memo="Dep", acting_user=alice)
    services.deposit_refund(account=billed, memo="Refund", acting_user=bob)
    with pytest.raises(PostingRefused, match=r"holds a deposit of 0\.00"):
        services.reverse_transaction(original=again, memo="Oops", acting_user=carol)
    assert ": 0 discrepancies" in verify()


def test_the_database_refuses_deposit_lines_that_skip_the_deposit_held(alice, billed):
    date = selectors.current_business_date()
    with refused("deposit held 0 does not equal its deposit lines 10.00"), transaction.atomic():
        txn_id = insert_transaction(alice, date, kind="deposit")
        insert_entry(txn_id, CASH, "10.00")
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency, deposit_account_id) VALUES (%s, %s, -10, 'USD', %s)",
            [txn_id, gl(DEPOSITS), billed.pk],
        )
    with refused("names the account it holds for"), transaction.atomic():
        txn_id = insert_transaction(alice, date, kind="deposit")
        insert_entry(txn_id, CASH, "10.00")
        insert_entry(txn_id, DEPOSITS, "-10.00")
    with refused("entry_owed_or_deposit"), transaction.atomic():
        txn_id = insert_transaction(alice, date, kind="deposit")
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency, account_id, deposit_account_id)"
            " VALUES (%s, %s, -10, 'USD', %s, %s)",
            [txn_id, gl(DEPOSITS), billed.pk, billed.pk],
        )

    assert held(billed) == D("0.00")
    assert not JournalEntry.objects.filter(gl_account__code=DEPOSITS).exists()


def test_the_database_refuses_a_deposit_held_changed_or_deleted_by_hand(alice, billed):
    services.deposit_take(account=billed, amount=D("20.00"), memo="Dep", acting_user=alice)

    with (
        refused("deposit held 500.00 does not equal its deposit lines 20.00"),
        transaction.atomic(),
    ):
        sql("UPDATE ledger_depositheld SET amount = 500 WHERE account_id = %s", [billed.pk])
    with refused("never deleted"), transaction.atomic():
        sql("DELETE FROM ledger_depositheld WHERE account_id = %s", [billed.pk])
    with refused("deposit_held_not_negative"), transaction.atomic():
        sql("UPDATE ledger_depositheld SET amount = -1 WHERE account_id = %s", [billed.pk])

    assert held(billed) == D("20.00")


def test_verify_ledger_names_each_deposit_discrepancy(alice, bob, billed):
    taken = services.deposit_take(account=billed, amount=D("20.00"), memo="Dep", acting_user=alice)
    sql("SET session_replication_role = replica")
    try:
        sql("UPDATE ledger_depositheld SET amount = 25 WHERE account_id = %s", [billed.pk])
        sql("DELETE FROM ledger_historicaldepositheld WHERE account_id = %s", [billed.pk])
        sql(
            "UPDATE ledger_journalentry SET deposit_account_id = NULL"
            " WHERE transaction_id = %s AND amount < 0",
            [taken.pk],
        )
        sql(
            "UPDATE ledger_journalentry SET deposit_account_id = %s"
            " WHERE transaction_id = %s AND amount > 0",
            [billed.pk, taken.pk],
        )
        out = io.StringIO()
        with pytest.raises(Exception, match="discrepanc"):
            call_command("verify_ledger", stdout=out)
    finally:
        sql("RESET session_replication_role")
    found = out.getvalue().splitlines()

    number = billed.number
    assert f"account {number}: deposit held 25.00 but its deposit lines hold -20.00" in found
    assert any(f"of transaction #{taken.pk} on GL {DEPOSITS}: a deposits-held" in x for x in found)
    assert any(f"of transaction #{taken.pk} on GL {CASH}: a deposits-held" in x for x in found)
    assert f"account {number}: deposit move #{taken.pk} has 0 history rows, expected 1" in found
