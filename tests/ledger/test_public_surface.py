"""The ledger's public surface: bulk charges, open amounts, saved transactions.

Worked example for ``post_charges_bulk`` (payment order PEN 1 ... WATER 3, SEWER 4,
STORM 5, TRASH 6):

* account A owes nothing and is billed water 40.00 + sewer 30.00: owes 70.00;
* account B prepaid 15.00 (credit -15.00) and is billed water 10.00: the credit
  pays the water (a credit application), 5.00 of credit is left: balance -5.00;
* account C is billed trash 20.00: owes 20.00.
"""

from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from ledger import selectors, services
from ledger.errors import PostingRefused
from ledger.models import JournalTransaction
from tests.factories import make_account, service

from .book import CREDIT, balance, entries_total, open_amounts

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def bills(a: Account, b: Account, c: Account) -> list[services.AccountCharges]:
    return [
        services.AccountCharges(
            account=a,
            charges=[(service("WATER"), D("40.00")), (service("SEWER"), D("30.00"))],
            memo="December bill A",
        ),
        services.AccountCharges(
            account=b.pk, charges=[(service("WATER"), D("10.00"))], memo="December bill B"
        ),
        services.AccountCharges(
            account=c, charges=[(service("TRASH"), D("20.00"))], memo="December bill C"
        ),
    ]


@pytest.fixture
def three(bob, business_day) -> tuple[Account, Account, Account]:
    accounts = (make_account(bob), make_account(bob), make_account(bob))
    services.post_payment(account=accounts[1], amount=D("15.00"), memo="Prepaid", acting_user=bob)
    return accounts


def test_it_charges_many_accounts_in_one_call(alice, three):
    a, b, c = three
    # Given in reverse key order; the locks are still taken in key order.
    with CaptureQueriesContext(connection) as queries:
        posted = services.post_charges_bulk(bills=bills(a, b, c)[::-1], acting_user=alice)

    assert [t.memo for t in posted] == ["December bill C", "December bill B", "December bill A"]
    assert all(isinstance(t, JournalTransaction) and t.kind == "charge" for t in posted)
    assert (balance(a), balance(b), balance(c)) == (D("70.00"), D("-5.00"), D("20.00"))
    assert [entries_total(x) for x in (a, b, c)] == [D("70.00"), D("-5.00"), D("20.00")]
    assert open_amounts(a) == {"WATER": D("40.00"), "SEWER": D("30.00")}
    assert open_amounts(b) == {CREDIT: D("-5.00")}  # the credit paid the water
    assert open_amounts(c) == {"TRASH": D("20.00")}
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1 and locks[0].endswith("ORDER BY id FOR UPDATE")


def test_it_writes_one_history_row_per_account_naming_its_bill_and_the_clerk(alice, three):
    a, b, c = three
    posted = services.post_charges_bulk(bills=bills(a, b, c), acting_user=alice)

    for account, txn, after in zip((a, b, c), posted, ("70.00", "-5.00", "20.00"), strict=True):
        rows = Account.history.filter(
            id=account.pk, history_change_reason__startswith=f"Transaction #{txn.pk} "
        )
        assert [(r.balance.amount, r.history_user) for r in rows] == [(D(after), alice)]


def test_it_posts_all_the_bills_or_none(alice, three):
    a, b, c = three
    bad = bills(a, b, c)
    bad[2] = services.AccountCharges(
        account=c, charges=[(service("TRASH"), D("20.005"))], memo="December bill C"
    )
    before = JournalTransaction.objects.count()

    with pytest.raises(PostingRefused, match="at most two decimal places"):
        services.post_charges_bulk(bills=bad, acting_user=alice)

    assert JournalTransaction.objects.count() == before
    assert (balance(a), balance(b), balance(c)) == (D("0.00"), D("-15.00"), D("0.00"))


def test_it_refuses_bulk_charges_from_an_auditor(erin, three):
    a, b, c = three
    before = JournalTransaction.objects.count()

    with pytest.raises(PermissionDenied):
        services.post_charges_bulk(bills=bills(a, b, c), acting_user=erin)

    assert JournalTransaction.objects.count() == before


def test_it_reads_open_amounts_the_same_from_the_writer_and_the_selector(alice, three):
    a, b, _c = three
    services.post_charges_bulk(bills=bills(*three), acting_user=alice)
    water, sewer = service("WATER"), service("SEWER")

    read = selectors.open_amounts_many([a.pk, b.pk])
    with transaction.atomic():
        writer = services.writer_for(alice)
        writer.lock([a, b])
        held = writer.open_amounts(a)
        assert writer.open_amounts(b) == read[b.pk]

    assert held == read[a.pk] == selectors.open_amounts(a.pk)
    assert held.balance == D("70.00") and held.unapplied == D("0.00")
    assert dict(held.by_service) == {water.pk: D("40.00"), sewer.pk: D("30.00")}
    assert read[b.pk].unapplied == D("-5.00") and read[b.pk].balance == D("-5.00")
    with pytest.raises(TypeError):
        held.by_service[water.pk] = D("0.00")  # type: ignore[index]


def test_it_names_the_saved_transaction_only_after_flush(alice, account, business_day):
    with transaction.atomic():
        writer = services.writer_for(alice)
        writer.lock([account])
        queued = writer.post(
            kind="charge",
            lines=services.charge_lines(writer, account, [(service("WATER"), D("5.00"))]),
            memo="Bill",
        )
        with pytest.raises(RuntimeError, match="flush"):
            writer.transaction_of(queued)
        assert writer.flush() == 1
        saved = writer.transaction_of(queued)
        assert writer.transaction_of(queued) is saved
        row = JournalTransaction.objects.get(pk=saved.pk)
        assert (saved.kind, saved.memo, saved.created_at) == (row.kind, row.memo, row.created_at)
        assert (saved.business_date, saved.created_by_id) == (row.business_date, alice.pk)
        with pytest.raises(PostingRefused, match="Lock the account"):
            writer.open_amounts(account.pk + 1000)


def test_it_posts_a_run_in_chunks_each_all_or_nothing(alice, bob, business_day):
    accounts = [make_account(bob) for _ in range(5)]
    water = service("WATER")
    good = [
        services.AccountCharges(account=a, charges=[(water, D("10.00"))], memo=f"Bill {n}")
        for n, a in enumerate(accounts)
    ]

    assert services.post_charges_in_chunks(bills=good, acting_user=alice, chunk_size=2) == 5
    assert [balance(a) for a in accounts] == [D("10.00")] * 5

    bad = [
        *good[:2],
        services.AccountCharges(account=accounts[2], charges=[(water, D("0"))], memo="x"),
    ]
    with pytest.raises(PostingRefused, match="more than zero"):
        services.post_charges_in_chunks(bills=bad, acting_user=alice, chunk_size=2)
    # The first chunk (two bills) committed; the chunk with the zero charge did not.
    assert [balance(a) for a in accounts] == [D("20.00")] * 2 + [D("10.00")] * 3


def test_the_charge_path_writes_what_a_checked_posting_writes(alice, bob, business_day):
    """``LedgerWriter.post_charges`` skips the per-line checks of lines it built itself:
    the rows are the same as :meth:`post` writes for the same lines."""
    fast, checked = make_account(bob), make_account(bob)
    charges = [(service("WATER"), D("38.12")), (service("SEWER"), D("41.60"))]
    with transaction.atomic():
        writer = services.writer_for(alice)
        writer.lock([fast, checked])
        writer.post_charges(kind="charge", account=fast, charges=charges, memo="Bill")
        lines = services.charge_lines(writer, writer.account(checked), charges)
        writer.post(kind="charge", lines=lines, memo="Bill")
        assert writer.flush() == 2

    def rows(account: Account) -> list[tuple[object, ...]]:
        txn = JournalTransaction.objects.filter(entries__account=account).distinct().get()
        entries = txn.entries.values_list("gl_account_id", "amount", "service_id")
        return [(txn.memo, txn.kind), *sorted(entries)]

    assert rows(fast) == rows(checked)
    assert balance(fast) == balance(checked) == D("79.72")
    assert open_amounts(fast) == open_amounts(checked)


def test_the_charge_path_checks_what_the_caller_gives(alice, account, business_day):
    water = service("WATER")
    with transaction.atomic():
        writer = services.writer_for(alice)
        writer.lock([account])
        for amount, message in [
            (D("0.00"), "more than zero"),
            (D("-5.00"), "more than zero"),
            (D("5.005"), "two decimal places"),
        ]:
            with pytest.raises(PostingRefused, match=message):
                writer.post_charges(
                    kind="charge", account=account, charges=[(water, amount)], memo="Bill"
                )
        with pytest.raises(PostingRefused, match="needs a memo"):
            writer.post_charges(kind="charge", account=account, charges=[(water, D("1"))], memo="")
        with pytest.raises(PostingRefused, match="at least two lines"):
            writer.post_charges(kind="charge", account=account, charges=[], memo="Bill")
        with pytest.raises(PostingRefused, match="Lock the account"):
            writer.post_charges(
                kind="charge", account=account.pk + 1000, charges=[(water, D("1"))], memo="Bill"
            )
        # A service whose GLs do not make a charge is not trusted: every line is checked.
        odd = copy.copy(water)
        odd.revenue_gl = water.receivable_gl
        with pytest.raises(PostingRefused, match="name an account"):
            writer.post_charges(kind="charge", account=account, charges=[(odd, D("1"))], memo="x")
        assert writer.flush() == 0


def test_the_charge_path_refuses_a_closed_account_as_a_checked_posting_does(
    alice, account, business_day
):
    """Closed: nothing posts but a reversal, through either path (queued, not flushed)."""
    Account.objects.filter(pk=account.pk).update(status="closed")
    water = service("WATER")
    with transaction.atomic():
        writer = services.writer_for(alice)
        writer.lock([account])
        lines = services.charge_lines(writer, writer.account(account), [(water, D("5.00"))])
        for post in (
            lambda kind: writer.post_charges(
                kind=kind, account=account, charges=[(water, D("5.00"))], memo="x"
            ),
            lambda kind: writer.post(kind=kind, lines=lines, memo="x"),
        ):
            with pytest.raises(PostingRefused, match="is closed"):
                post("charge")
            post("reversal")
        transaction.set_rollback(True)
