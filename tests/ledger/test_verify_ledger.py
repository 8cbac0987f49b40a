"""verify_ledger proves a clean ledger and names every discrepancy in a broken one.

A broken ledger can only be made by switching PostgreSQL's triggers off
(``session_replication_role = replica``, superuser only), which is exactly what
the command exists to catch.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection, transaction

from accounts.models import Account
from ledger import services
from ledger.models import GLAccount
from tests.factories import make_account, service

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() if cursor.description else None


def verify() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


@pytest.fixture
def busy(alice, account, business_day) -> Account:
    """A charge, a partial payment, an overpayment, a charge that uses the credit, a reversal."""
    bill = services.post_charges(
        account=account,
        charges=[(service("WATER"), D("40.00")), (service("SEWER"), D("30.00"))],
        memo="Bill",
        acting_user=alice,
    )
    services.post_payment(account=account, amount=D("50.00"), memo="Cash", acting_user=alice)
    services.post_payment(account=account, amount=D("30.00"), memo="Cash", acting_user=alice)
    services.post_charges(
        account=account, charges=[(service("TRASH"), D("25.00"))], memo="Bill", acting_user=alice
    )
    services.reverse_transaction(original=bill, memo="Wrong meter", acting_user=alice)
    return account


@pytest.fixture
def triggers_off() -> Iterator[None]:
    sql("SET session_replication_role = replica")
    try:
        yield
    finally:
        sql("RESET session_replication_role")


def insert_transaction(user_id: int, day: Any, lines: list[tuple[str, str, int | None]]) -> int:
    (txn_id,) = sql(
        "INSERT INTO ledger_journaltransaction (business_date, kind, memo, source, created_by_id)"
        " VALUES (%s, 'adjustment', 'by hand', '', %s) RETURNING id",
        [day, user_id],
    )
    for code, amount, account_id in lines:
        sql(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency, account_id) VALUES (%s, %s, %s, 'USD', %s)",
            [txn_id, GLAccount.objects.get(code=code).pk, D(amount), account_id],
        )
    return int(txn_id)


def test_it_passes_a_clean_ledger(busy, bob):
    make_account(bob)  # an account with no postings at all

    out = verify()

    assert "2 accounts," in out
    assert out.strip().endswith(": 0 discrepancies")


def test_it_passes_an_empty_ledger(db):
    assert ": 0 discrepancies" in verify()


def test_it_reports_each_discrepancy_and_fails(busy, alice, bob, business_day, triggers_off):
    other = make_account(bob)
    number = busy.number
    sql("UPDATE accounts_account SET balance = balance + 1 WHERE id = %s", [busy.pk])
    unbalanced = insert_transaction(alice.pk, business_day.date, [("999-1010", "5.00", None)])
    empty = insert_transaction(alice.pk, business_day.date, [])
    orphan = insert_transaction(
        alice.pk, business_day.date, [("410-1210", "3.00", None), ("410-4110", "-3.00", None)]
    )
    # A posting whose balance is kept but that leaves no history row.
    silent = insert_transaction(
        alice.pk,
        business_day.date,
        [("999-2100", "7.00", other.pk), ("999-1010", "-7.00", None)],
    )
    sql("UPDATE accounts_account SET balance = 7 WHERE id = %s", [other.pk])

    with pytest.raises(CommandError, match="The ledger has 7 discrepancies"):
        verify()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out)
    lines = out.getvalue().splitlines()

    assert f"account {number}: balance -54.00 but its entries sum to -55.00" in lines
    assert f"account {number}: balance -54.00 but its newest history row says -55.00" in lines
    assert f"transaction #{unbalanced}: its 1 entries sum to 5.00, not zero" in lines
    assert f"transaction #{empty}: has 0 entries, needs at least two" in lines
    assert any(
        line.startswith("entry ")
        and f"of transaction #{orphan} on GL 410-1210: a receivable"
        " or credit line without a customer account"
        in line
        for line in lines
    )
    assert f"account {other.number}: balance 7.00 but its newest history row says 0.00" in lines
    assert f"account {other.number}: transaction #{silent} has 0 history rows, expected 1" in lines
    assert lines[-1].endswith(": 7 discrepancies")


def test_it_reports_a_broken_history_chain(busy, triggers_off):
    # Opened, activated, then each posting: bill 70.00, paid 50.00 -> 20.00, paid 30.00 -> -10.00
    rows = list(busy.history.order_by("history_id").values_list("history_id", flat=True))
    middle, after = rows[3], rows[4]
    sql(
        "UPDATE accounts_historicalaccount SET balance = balance + 2,"
        " history_change_reason = 'edited' WHERE history_id = %s",
        [middle],
    )
    sql(
        "UPDATE accounts_historicalaccount SET history_user_id = NULL WHERE history_id = %s",
        [after],
    )

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out)
    lines = out.getvalue().splitlines()

    number = busy.number
    assert (
        f"account {number} history row {middle}: balance 70.00 -> 22.00"
        " without naming a transaction" in lines
    )
    assert any(
        line.startswith(f"account {number} history row {after}: balance 22.00 -> -10.00 but")
        for line in lines
    )
    assert any(line.endswith("has 0 history rows, expected 1") for line in lines)
    assert any(line.endswith("history row has no acting user") for line in lines)


def test_it_finds_a_zero_line(busy, alice, business_day):
    """Zero lines are refused by a CHECK constraint, so drop it for one rolled-back transaction."""

    class Rollback(Exception):
        pass

    out = io.StringIO()
    with pytest.raises(Rollback), transaction.atomic():
        sql("SET LOCAL session_replication_role = replica")
        sql("ALTER TABLE ledger_journalentry DROP CONSTRAINT entry_amount_not_zero")
        txn = insert_transaction(
            alice.pk,
            business_day.date,
            [("999-1010", "0.00", None), ("999-1010", "1.00", None), ("001-4630", "-1.00", None)],
        )
        with pytest.raises(CommandError, match="has 1 discrepancy"):
            call_command("verify_ledger", stdout=out)
        raise Rollback

    assert f"of transaction #{txn}: amount is zero" in out.getvalue()
    assert ": 0 discrepancies" in verify()  # the constraint and the ledger are back


def test_it_exits_non_zero_from_the_command_line(busy, triggers_off, capsys):
    sql("UPDATE accounts_account SET balance = balance - 1 WHERE id = %s", [busy.pk])

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_ledger"])

    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert f"account {busy.number}: balance -56.00 but its entries sum to -55.00" in captured.out
    assert "The ledger has 2 discrepancies" in captured.err
