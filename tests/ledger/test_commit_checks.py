"""The commit-time checks run once per database transaction, over everything it touched."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import transaction

from ledger import services
from ledger.models import JournalTransaction
from tests.factories import make_account, service

from .book import balance
from .test_database_guards import gl, insert_transaction, refused, sql

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def leftovers() -> tuple[int, int]:
    (markers,) = sql("SELECT count(*) FROM ledger_commit_marker")
    (accounts,) = sql("SELECT count(*) FROM ledger_commit_account")
    return markers, accounts


def test_it_checks_a_bulk_posting_at_commit_and_leaves_nothing_behind(alice, bob, business_day):
    accounts = [make_account(bob) for _ in range(5)]
    bills = [
        services.AccountCharges(account=a, charges=[(service("WATER"), D("10.00"))], memo="Bill")
        for a in accounts
    ]

    posted = services.post_charges_bulk(bills=bills, acting_user=alice)

    assert len(posted) == 5
    assert [balance(a) for a in accounts] == [D("10.00")] * 5
    assert leftovers() == (0, 0)


def test_it_refuses_one_bad_transaction_among_many_inserted_by_one_statement(alice, business_day):
    def post_twenty_one_off() -> None:
        ids = [insert_transaction(alice, business_day.date) for _ in range(20)]
        rows = []
        for txn_id in ids:
            rows += [(txn_id, gl("999-1010"), D("10.00")), (txn_id, gl("001-4630"), D("-10.00"))]
        rows[2 * 13 + 1] = (ids[13], gl("001-4630"), D("-9.99"))
        values = ", ".join(["(%s, %s, %s, 'USD')"] * len(rows))
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            f" amount_currency) VALUES {values}",
            [x for row in rows for x in row],
        )

    with refused("is unbalanced: its entries sum to 0.01"), transaction.atomic():
        post_twenty_one_off()

    assert not JournalTransaction.objects.exists()
    assert leftovers() == (0, 0)


def test_it_checks_again_after_a_savepoint_rolled_back_the_first_mark(alice, account, business_day):
    with (
        refused("balance 0.00 does not equal the sum of its entries 10.00"),
        transaction.atomic(),
    ):
        try:
            with transaction.atomic():
                insert_transaction(alice, business_day.date)
                raise RuntimeError("undo the savepoint")
        except RuntimeError:
            pass
        txn_id = insert_transaction(alice, business_day.date, kind="charge")
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency, account_id, service_id) VALUES (%s, %s, 10, 'USD', %s, %s),"
            " (%s, %s, -10, 'USD', NULL, NULL)",
            [txn_id, gl("410-1210"), account.pk, service("WATER").pk, txn_id, gl("410-4110")],
        )

    assert not JournalTransaction.objects.exists()
