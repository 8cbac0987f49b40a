"""The four tests a rewrite of the ledger could break silently (issue 8).

A mutation check of the ledger found these rules untested: aging must walk a
service's charges newest first; PostgreSQL must refuse a one-cent imbalance;
every account a multi-account posting touches gets its own history row; and a
line of a fraction of a cent is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection, transaction

from accounts.models import Account
from adjustments import services as adjustments
from adjustments.choices import TransferOf
from ledger import selectors, services
from ledger.errors import PostingRefused
from ledger.models import BusinessDay, GLAccount, JournalEntry, JournalTransaction
from payments import services as payments
from payments.services import AccountPart
from tests.factories import make_account, service
from tests.payments.helpers import cash, open_drawer

from .book import balance, entries_total
from .test_database_guards import insert_entry, insert_transaction, refused

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def charge(account: Account, by: Any, **amounts: str) -> JournalTransaction:
    return services.post_charges(
        account=account,
        charges=[(service(code), D(text)) for code, text in amounts.items()],
        memo="Bill",
        acting_user=by,
    )


def close_and_open(day: BusinessDay, on: dt.date, by: Any) -> BusinessDay:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_businessday SET status = 'closed' WHERE id = %s", [day.pk])
    return services.business_day_open(on=on, acting_user=by)


def history_rows(account: Account, txn: JournalTransaction) -> list[tuple[str, str]]:
    rows = Account.history.filter(
        id=account.pk, history_change_reason__startswith=f"Transaction #{txn.pk} "
    )
    return [
        (r.history_change_reason[: len(f"Transaction #{txn.pk}")], r.history_user) for r in rows
    ]


def test_it_ages_a_service_newest_charge_first(alice, carol, account, business_day):
    charge(account, alice, WATER="100.00")  # 2026-11-23
    later = dt.date(2027, 3, 1)  # 98 days later
    close_and_open(business_day, later, carol)
    charge(account, alice, WATER="50.00")
    services.post_payment(account=account, amount=D("50.00"), memo="Cash", acting_user=alice)

    # Water open 100.00 = the newest 50.00 (current) + 50.00 of the old charge (over 90).
    assert selectors.aging(account.pk, as_of=later) == {
        "current": D("50.00"),
        "31-60": D("0.00"),
        "61-90": D("0.00"),
        "over 90": D("50.00"),
    }


def test_it_refuses_a_one_cent_imbalance_at_commit(alice, business_day):
    with refused("unbalanced: its entries sum to 0.01"), transaction.atomic():
        txn_id = insert_transaction(alice, business_day.date)
        insert_entry(txn_id, "999-1010", "10.00")
        insert_entry(txn_id, "001-4630", "-9.99")

    assert not JournalTransaction.objects.exists()
    assert not JournalEntry.objects.exists()


def test_it_writes_one_history_row_per_account_of_a_two_account_receipt(alice, bob, business_day):
    first, second = make_account(bob), make_account(bob)
    charge(first, bob, WATER="30.00")
    charge(second, bob, SEWER="20.00")
    drawer = open_drawer(alice)
    receipt = payments.payment_take(
        drawer=drawer,
        accounts=[
            AccountPart(account=first, amount=D("30.00")),
            AccountPart(account=second, amount=D("20.00")),
        ],
        tenders=[cash("50.00")],
        acting_user=alice,
    )

    txn = receipt.transaction
    for account in (first, second):
        assert history_rows(account, txn) == [(f"Transaction #{txn.pk}", alice)]
        assert balance(account) == entries_total(account) == D("0.00")


def test_it_writes_one_history_row_per_account_of_a_transfer(alice, bob, business_day):
    old = make_account(bob)
    new = make_account(bob, customer=old.customer)
    charge(old, bob, WATER="65.00")
    req = adjustments.request_transfer(
        from_account=old,
        to_account=new,
        transfer_of=TransferOf.BALANCE,
        amount=D("65.00"),
        memo="Final bill moved to the new home",
        acting_user=alice,
    )
    req = adjustments.request_approve(adjustment_request=req, acting_user=bob)

    for account in (old, new):
        assert history_rows(account, req.posting) == [(f"Transaction #{req.posting.pk}", bob)]


def test_it_writes_one_history_row_per_account_of_a_consolidation(bob, carol, business_day):
    master = make_account(bob, is_master=True)
    subs = [make_account(bob, master=master) for _ in range(2)]
    charge(subs[0], bob, WATER="30.00")
    charge(subs[1], bob, SEWER="12.50")
    req = adjustments.request_consolidation(master=master, memo="Monthly", acting_user=bob)
    req = adjustments.request_approve(adjustment_request=req, acting_user=carol)

    for account in (master, *subs):
        assert history_rows(account, req.posting) == [(f"Transaction #{req.posting.pk}", carol)]
    assert balance(master) == D("42.50")


def test_it_refuses_a_line_of_a_fraction_of_a_cent(alice, business_day):
    cash_gl = GLAccount.objects.get(code="999-1010")
    copies = GLAccount.objects.get(code="001-4630")
    with pytest.raises(PostingRefused, match="whole cents"), transaction.atomic():
        writer = services.writer_for(alice)
        writer.post(
            kind="misc_revenue",
            lines=[
                services.Line(gl_account=cash_gl, amount=D("10.005")),
                services.Line(gl_account=copies, amount=D("-10.005")),
            ],
            memo="Copies",
        )
        writer.flush()

    assert not JournalTransaction.objects.exists()
    assert not JournalEntry.objects.exists()
