"""Open amounts by service are kept by PostgreSQL from the journal, and nothing else writes them."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import Account
from ledger import selectors, services
from ledger.models import AccountOpen
from tests.factories import service

from .book import CREDIT, balance, open_amounts
from .test_database_guards import gl, insert_entry, insert_transaction, refused, sql

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def kept(account: Account) -> dict[str, D]:
    """The kept open amounts, non-zero, keyed like ``book.open_amounts``."""
    rows = AccountOpen.objects.filter(account=account).values_list("service__code", "amount")
    return {(code or CREDIT): amount for code, amount in rows if amount != 0}


@pytest.fixture
def busy(alice, account, business_day) -> Account:
    bill = services.post_charges(
        account=account,
        charges=[(service("WATER"), D("40.00")), (service("SEWER"), D("30.00"))],
        memo="Bill",
        acting_user=alice,
    )
    services.post_payment(account=account, amount=D("90.00"), memo="Cash", acting_user=alice)
    services.post_charges(
        account=account, charges=[(service("TRASH"), D("5.00"))], memo="Bill", acting_user=alice
    )
    services.reverse_transaction(original=bill, memo="Wrong meter", acting_user=alice)
    return account


def test_it_keeps_open_amounts_equal_to_the_journal(busy):
    # bill 70, paid 90 (20 credit), trash 5 from the credit (15 left), bill reversed:
    # water and sewer give back the 70 they were paid -> 85.00 credit.
    assert kept(busy) == open_amounts(busy) == {CREDIT: D("-85.00")}
    assert balance(busy) == D("-85.00")
    read = selectors.open_amounts(busy.pk)
    assert (read.balance, read.unapplied) == (D("-85.00"), D("-85.00"))


def test_it_keeps_a_raw_sql_posting_too(alice, account, business_day):
    with transaction.atomic():
        txn_id = insert_transaction(alice, business_day.date, kind="charge")
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency, account_id, service_id) VALUES (%s, %s, 10, 'USD', %s, %s)",
            [txn_id, gl("410-1210"), account.pk, service("WATER").pk],
        )
        insert_entry(txn_id, "410-4110", "-10.00")
        sql("UPDATE accounts_account SET balance = balance + 10 WHERE id = %s", [account.pk])

    assert kept(account) == {"WATER": D("10.00")}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_accountopen SET amount = amount + 1 WHERE account_id = %(account)s",
        "DELETE FROM ledger_accountopen WHERE account_id = %(account)s",
        "INSERT INTO ledger_accountopen (account_id, service_id, amount)"
        " VALUES (%(account)s, NULL, 5)",
    ],
)
def test_it_refuses_open_amounts_written_by_hand(busy, statement):
    with refused("open amounts are kept by the ledger"), transaction.atomic():
        sql(statement, {"account": busy.pk})

    assert kept(busy) == {CREDIT: D("-85.00")}


def test_verify_ledger_names_an_open_amount_that_left_the_journal(busy):
    sql("SET session_replication_role = replica")
    try:
        sql("UPDATE ledger_accountopen SET amount = amount - 1 WHERE account_id = %s", [busy.pk])
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("verify_ledger", stdout=out)
    finally:
        sql("RESET session_replication_role")

    assert (
        f"account {busy.number}: open unapplied credit kept as -86.00 but its entries sum to -85.00"
        in out.getvalue().splitlines()
    )
