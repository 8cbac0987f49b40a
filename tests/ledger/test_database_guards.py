"""Raw SQL that goes around the ORM and the services; PostgreSQL itself must refuse it.

Each attempt runs in its own ``transaction.atomic()`` block: row triggers refuse
at the statement, deferred constraint triggers refuse at COMMIT (when the block
exits). Afterwards the ledger is unchanged.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.models import Account
from ledger import services
from ledger.models import BusinessDay, GLAccount, JournalEntry, JournalTransaction
from tests.factories import service

from .book import balance, entries_total

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() if cursor.description else None


def gl(code: str) -> int:
    return GLAccount.objects.get(code=code).pk


def insert_transaction(user: User, day: dt.date, kind: str = "adjustment") -> int:
    (txn_id,) = sql(
        "INSERT INTO ledger_journaltransaction (business_date, kind, memo, source, created_by_id)"
        " VALUES (%s, %s, 'raw SQL', '', %s) RETURNING id",
        [day, kind, user.pk],
    )
    return int(txn_id)


def insert_entry(txn_id: int, gl_code: str, amount: str, account: Account | None = None) -> None:
    sql(
        "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount, amount_currency,"
        " account_id) VALUES (%s, %s, %s, 'USD', %s)",
        [txn_id, gl(gl_code), D(amount), account.pk if account else None],
    )


@pytest.fixture
def paid(alice, account, business_day) -> JournalTransaction:
    services.post_charges(
        account=account, charges=[(service("WATER"), D("40.00"))], memo="Bill", acting_user=alice
    )
    return services.post_payment(account=account, amount=D("25.00"), memo="Cash", acting_user=alice)


def refused(match: str) -> Any:
    return pytest.raises((IntegrityError, DatabaseError), match=match)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_journaltransaction SET memo = 'edited' WHERE id = %(txn)s",
        "UPDATE ledger_journaltransaction SET business_date = business_date + 1 WHERE id = %(txn)s",
        "DELETE FROM ledger_journaltransaction WHERE id = %(txn)s",
        "UPDATE ledger_journalentry SET amount = amount * 2 WHERE transaction_id = %(txn)s",
        "UPDATE ledger_journalentry SET account_id = NULL WHERE transaction_id = %(txn)s",
        "DELETE FROM ledger_journalentry WHERE transaction_id = %(txn)s",
    ],
)
def test_it_refuses_update_and_delete_of_ledger_rows(paid, account, statement):
    with refused("append-only"), transaction.atomic():
        sql(statement, {"txn": paid.pk})

    assert JournalEntry.objects.filter(transaction=paid).count() == 2
    assert balance(account) == entries_total(account) == D("15.00")


def test_it_refuses_an_unbalanced_transaction_at_commit(alice, business_day):
    with refused("unbalanced: its entries sum to 5.00"), transaction.atomic():
        txn_id = insert_transaction(alice, business_day.date)
        insert_entry(txn_id, "999-1010", "10.00")
        insert_entry(txn_id, "001-4630", "-5.00")  # accepted here: the check waits for COMMIT

    assert not JournalTransaction.objects.exists()


def test_it_refuses_a_transaction_without_entries(alice, business_day):
    # One line alone can never sum to zero (zero lines are refused), so "fewer than
    # two" shows up as a transaction with no lines at all.
    with refused("needs at least two entries, has 0"), transaction.atomic():
        insert_transaction(alice, business_day.date)

    assert not JournalTransaction.objects.exists()


def test_it_refuses_a_zero_amount_line(alice, business_day):
    with refused("entry_amount_not_zero"), transaction.atomic():
        txn_id = insert_transaction(alice, business_day.date)
        insert_entry(txn_id, "999-1010", "0.00")


def test_it_refuses_posting_into_a_closed_business_day(alice, business_day):
    sql("UPDATE ledger_businessday SET status = 'closed' WHERE id = %s", [business_day.pk])

    with refused(r"business day 2026-11-23 is not open \(closed\)"), transaction.atomic():
        txn_id = insert_transaction(alice, business_day.date)
        insert_entry(txn_id, "999-1010", "10.00")
        insert_entry(txn_id, "001-4630", "-10.00")

    assert not JournalTransaction.objects.exists()


def test_it_refuses_posting_into_a_day_never_opened(alice, business_day):
    with refused("is not open \\(never opened\\)"), transaction.atomic():
        insert_transaction(alice, business_day.date + dt.timedelta(days=1))


def test_it_refuses_reopening_or_deleting_a_closed_day(business_day):
    sql("UPDATE ledger_businessday SET status = 'closed' WHERE id = %s", [business_day.pk])

    with refused("is closed and cannot be changed"), transaction.atomic():
        sql("UPDATE ledger_businessday SET status = 'open' WHERE id = %s", [business_day.pk])
    with refused("never deleted"), transaction.atomic():
        sql("DELETE FROM ledger_businessday WHERE id = %s", [business_day.pk])

    assert BusinessDay.objects.get().status == "closed"


def test_it_refuses_adding_entries_to_an_earlier_transaction(paid, account):
    with (
        refused(f"only be added while their transaction {paid.pk} is being posted"),
        transaction.atomic(),
    ):
        insert_entry(paid.pk, "999-1010", "5.00")
        insert_entry(paid.pk, "001-4630", "-5.00")

    assert JournalEntry.objects.filter(transaction=paid).count() == 2


def test_it_refuses_a_balance_changed_without_entries(paid, account):
    with (
        refused("balance 1000.00 does not equal the sum of its entries 15.00"),
        transaction.atomic(),
    ):
        sql("UPDATE accounts_account SET balance = 1000 WHERE id = %s", [account.pk])

    assert balance(account) == D("15.00")


def test_it_refuses_entries_that_skip_the_balance(alice, account, business_day):
    with refused("balance 0.00 does not equal the sum of its entries 10.00"), transaction.atomic():
        txn_id = insert_transaction(alice, business_day.date, kind="charge")
        insert_entry(txn_id, "410-1210", "10.00", account)
        insert_entry(txn_id, "410-4110", "-10.00")

    assert not JournalTransaction.objects.exists()


def test_it_accepts_a_balanced_raw_posting_that_keeps_the_balance(alice, account, business_day):
    """The guards refuse only what breaks a rule: this raw posting keeps every one."""
    with transaction.atomic():
        txn_id = insert_transaction(alice, business_day.date, kind="charge")
        insert_entry(txn_id, "410-1210", "10.00", account)
        insert_entry(txn_id, "410-4110", "-10.00")
        sql("UPDATE accounts_account SET balance = balance + 10 WHERE id = %s", [account.pk])

    assert balance(account) == entries_total(account) == D("10.00")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_historicalaccount SET balance = balance + 2 WHERE id = %(account)s",
        "UPDATE accounts_historicalaccount SET history_change_reason = 'edited'"
        " WHERE id = %(account)s",
        "DELETE FROM accounts_historicalaccount WHERE id = %(account)s",
        "UPDATE ledger_historicaldepositheld SET amount = amount + 1",
        "DELETE FROM ledger_historicaldepositheld",
    ],
)
def test_it_refuses_update_and_delete_of_balance_history(paid, account, statement):
    services.deposit_take(
        account=account, amount=D("100.00"), memo="Deposit", acting_user=paid.created_by
    )
    before = account.history.count()
    with refused("append-only"), transaction.atomic():
        sql(statement, {"account": account.pk})

    assert account.history.count() == before
    assert balance(account) == D("15.00")
