"""verify_ledger proves the cash side too: tenders add up to each receipt and to its journal
transaction, every void is reversed exactly once, every closed drawer's over/short follows
from its count. Discrepancies are made with raw SQL on the payments tables."""

from __future__ import annotations

import contextlib
import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from payments import services
from payments.models import Drawer, Payment
from tests.payments.helpers import cash, charge, check, open_drawer, pay

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify_lines() -> list[str]:
    out = io.StringIO()
    with contextlib.suppress(CommandError):  # a discrepancy fails the command: read its lines
        call_command("verify_ledger", stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def day_at_the_counter(alice, bob, carol, account, business_day) -> dict[str, Any]:
    """Alice takes cash with change, a check, and a payment Carol voids; she closes $1 over."""
    charge(account, bob, water="60.00")
    drawer = open_drawer(alice)  # $100 float
    with_change = services.payment_take(
        drawer=drawer,
        accounts=[services.AccountPart(account=account, amount=D("12.00"))],
        tenders=[cash("20.00")],
        acting_user=alice,
    )
    by_check = pay(alice, drawer, account, "30.00", check("30.00", "1234"))
    voided = pay(alice, drawer, account, "5.00")
    services.payment_void(payment=voided, reason="Wrong account", acting_user=carol)
    # float 100 + 12 kept (20 less 8 change) = 112 cash; one check of 30; counted 113: $1 over
    services.drawer_close(
        drawer=drawer,
        counts={"d100": 1, "d10": 1, "d1": 3},
        checks=[("1234", D("30.00"))],
        acting_user=alice,
    )
    return {"drawer": drawer, "change": with_change, "check": by_check, "voided": voided}


def test_it_passes_a_clean_day(day_at_the_counter):
    drawer = Drawer.objects.get(pk=day_at_the_counter["drawer"].pk)
    assert drawer.over_short.amount == D("1.00")  # the fixture is what it says

    assert verify_lines()[-1].endswith(": 0 discrepancies")


def test_it_reports_tenders_that_do_not_add_up(day_at_the_counter):
    payment: Payment = day_at_the_counter["check"]
    sql("UPDATE payments_tender SET amount = amount + 1 WHERE payment_id = %s", [payment.pk])

    lines = verify_lines()

    label = f"receipt {payment.receipt_label}"
    assert (
        f"{label}: paid 30.00 but its tenders sum to 31.00 (change 0.00), its lines to 30.00,"
        " and its journal took 30.00 into cash"
    ) in lines
    drawer = day_at_the_counter["drawer"]
    assert (
        f"drawer {drawer.pk}: expected cash 112.00 and checks 30.00 at close, but its receipts"
        " say 112.00 and 31.00"
    ) in lines
    assert lines[-1].endswith(": 2 discrepancies")


def test_it_reports_a_receipt_whose_journal_took_other_cash(day_at_the_counter):
    payment: Payment = day_at_the_counter["change"]
    sql(
        "UPDATE payments_payment SET total = 13, tendered = 21 WHERE id = %s",
        [payment.pk],
    )
    sql("UPDATE payments_tender SET amount = 21 WHERE payment_id = %s", [payment.pk])
    sql("UPDATE payments_paymentline SET amount = 13 WHERE payment_id = %s", [payment.pk])

    lines = verify_lines()

    assert any(
        line.startswith(f"receipt {payment.receipt_label}: paid 13.00")
        and line.endswith("its journal took 12.00 into cash")
        for line in lines
    )


def test_it_reports_a_void_without_its_reversal(day_at_the_counter):
    voided: Payment = day_at_the_counter["voided"]
    sql("UPDATE payments_payment SET void_transaction_id = NULL WHERE id = %s", [voided.pk])

    lines = verify_lines()

    assert f"receipt {voided.receipt_label}: void without a reversal" in lines
    assert lines[-1].endswith(": 1 discrepancies")


def test_it_reports_a_void_reversing_another_transaction(day_at_the_counter):
    voided: Payment = day_at_the_counter["voided"]
    other: Payment = day_at_the_counter["check"]
    sql("UPDATE payments_payment SET void_transaction_id = NULL WHERE id = %s", [voided.pk])
    sql(
        "UPDATE payments_payment SET void_transaction_id = %s WHERE id = %s",
        [Payment.objects.get(pk=voided.pk).transaction_id, other.pk],
    )

    lines = verify_lines()

    assert f"receipt {voided.receipt_label}: void without a reversal" in lines
    assert f"receipt {other.receipt_label}: posted but names reversal #" in " ".join(lines)


def test_it_reports_a_drawer_whose_over_short_is_not_its_count(day_at_the_counter):
    drawer: Drawer = day_at_the_counter["drawer"]
    sql("UPDATE payments_drawer SET over_short = 0 WHERE id = %s", [drawer.pk])

    lines = verify_lines()

    assert f"drawer {drawer.pk}: over/short 0.00 but its count says 1.00" in lines


def test_it_reports_an_over_short_transaction_that_moved_other_cash(day_at_the_counter):
    drawer: Drawer = day_at_the_counter["drawer"]
    sql(
        "UPDATE payments_drawer SET over_short = 2, counted_cash = counted_cash + 1 WHERE id = %s",
        [drawer.pk],
    )

    lines = verify_lines()

    txn = Drawer.objects.get(pk=drawer.pk).over_short_transaction_id
    assert f"drawer {drawer.pk}: over/short 2.00 but transaction #{txn} moved cash by 1.00" in lines


def test_it_reports_expected_cash_that_the_receipts_do_not_give(day_at_the_counter):
    drawer: Drawer = day_at_the_counter["drawer"]
    sql(
        "UPDATE payments_drawer SET expected_cash = expected_cash - 5,"
        " counted_cash = counted_cash - 5 WHERE id = %s",
        [drawer.pk],
    )

    lines = verify_lines()

    assert (
        f"drawer {drawer.pk}: expected cash 107.00 and checks 30.00 at close, but its receipts"
        " say 112.00 and 30.00" in lines
    )
