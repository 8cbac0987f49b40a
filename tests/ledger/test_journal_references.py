"""Journal lines' references, checked by the ledger's statement trigger (migration 0018).

The lines' foreign keys are no longer constraints (PostgreSQL checked them one
row at a time at COMMIT); raw SQL naming a GL account, service or customer
account that does not exist must still be refused, with the foreign key's error
code, and a referenced row must still not be deleted or renumbered.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from psycopg import errors

from ledger import services
from ledger.models import GLAccount, JournalEntry, JournalTransaction, Service
from tests.factories import service

from .test_database_guards import insert_transaction, sql

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MISSING = 987_654_321


def line(txn: int, gl: int, amount: str, account: int | None = None, svc: int | None = None) -> Any:
    return sql(
        "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount, amount_currency,"
        " account_id, service_id) VALUES (%s, %s, %s, 'USD', %s, %s)",
        [txn, gl, D(amount), account, svc],
    )


def foreign_key_refused(match: str) -> Any:
    return pytest.raises(IntegrityError, match=match)


@pytest.fixture
def water() -> Service:
    return service("WATER")


def test_it_refuses_a_line_naming_a_missing_gl_account(alice, business_day):
    cash = GLAccount.objects.get(code="999-1010").pk
    missing_gl = f"names GL account {MISSING}, which does not exist"
    with foreign_key_refused(missing_gl) as caught, transaction.atomic():
        txn = insert_transaction(alice, business_day.date)
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency) VALUES (%s, %s, 5, 'USD'), (%s, %s, -5, 'USD')",
            [txn, cash, txn, MISSING],
        )
    assert isinstance(caught.value.__cause__, errors.ForeignKeyViolation)
    assert not JournalTransaction.objects.exists() and not JournalEntry.objects.exists()


def test_it_refuses_a_line_naming_a_missing_account_or_service(alice, account, water, business_day):
    missing_account = f"names customer account {MISSING}, which does not exist"
    with foreign_key_refused(missing_account), transaction.atomic():
        txn = insert_transaction(alice, business_day.date)
        line(txn, water.receivable_gl_id, "5.00", MISSING, water.pk)
    with foreign_key_refused(f"names service {MISSING}, which"), transaction.atomic():
        txn = insert_transaction(alice, business_day.date)
        line(txn, water.receivable_gl_id, "5.00", account.pk, MISSING)
    with foreign_key_refused(f"names customer account {MISSING}"), transaction.atomic():
        txn = insert_transaction(alice, business_day.date)
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency, deposit_account_id) SELECT %s, id, -5, 'USD', %s"
            " FROM ledger_glaccount WHERE role = 'deposits_held'",
            [txn, MISSING],
        )
    assert not JournalEntry.objects.exists()


def test_it_accepts_lines_whose_references_exist(alice, account, water, business_day):
    with transaction.atomic():
        txn = insert_transaction(alice, business_day.date)
        line(txn, water.receivable_gl_id, "5.00", account.pk, water.pk)
        line(txn, water.revenue_gl_id, "-5.00")
        sql("UPDATE accounts_account SET balance = balance + 5 WHERE id = %s", [account.pk])
    account.refresh_from_db()
    assert account.balance.amount == D("5.00")
    assert JournalEntry.objects.filter(transaction_id=txn).count() == 2


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM accounts_account WHERE id = %(account)s",
        "UPDATE accounts_account SET id = %(missing)s WHERE id = %(account)s",
        "DELETE FROM ledger_service WHERE id = %(service)s",
        "DELETE FROM ledger_glaccount WHERE id = %(gl)s",
        "UPDATE ledger_glaccount SET id = %(missing)s WHERE id = %(gl)s",
    ],
)
def test_it_refuses_deleting_what_a_journal_line_names(
    alice, account, water, business_day, statement
):
    services.post_charges(
        account=account, charges=[(water, D("40.00"))], memo="Bill", acting_user=alice
    )
    names = {"account": account.pk, "service": water.pk, "gl": water.revenue_gl_id}
    with foreign_key_refused("is named by journal lines"), transaction.atomic():
        sql(statement, {**names, "missing": MISSING})
    assert JournalEntry.objects.filter(account=account).count() == 1


def test_it_still_deletes_a_gl_account_no_line_names(alice, business_day):
    unused = GLAccount.objects.create(
        code="999-9999", name="Unused", fund=GLAccount.objects.first().fund, kind="asset"
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_glaccount WHERE id = %s", [unused.pk])
        assert cursor.rowcount == 1
