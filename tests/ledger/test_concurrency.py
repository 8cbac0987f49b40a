"""Many cashiers posting to one account at the same moment, each on its own connection."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from accounts.models import Account
from ledger import services
from ledger.models import JournalEntry, JournalTransaction
from tests.common.concurrency import run_together
from tests.factories import service

from .book import balance, entries_total, open_amounts

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 16


def post_three(i: int, account_id: int, user_ids: list[int]) -> list[int]:
    """Thread i: a charge, a payment and another charge (order varies with i)."""
    user = User.objects.get(pk=user_ids[i % len(user_ids)])
    account = Account.objects.get(pk=account_id)
    water = service("WATER")
    sewer = service("SEWER")
    cents = D(i).scaleb(-2)
    steps = [
        lambda: services.post_charges(
            account=account, charges=[(water, D("10.00") + cents)], memo=f"T{i}", acting_user=user
        ),
        lambda: services.post_payment(
            account=account, amount=D("7.00") + cents, memo=f"T{i}", acting_user=user
        ),
        lambda: services.post_charges(
            account=account, charges=[(sewer, D("3.00"))], memo=f"T{i}", acting_user=user
        ),
    ]
    order = steps if i % 2 else [steps[1], steps[0], steps[2]]
    return [step().pk for step in order]


def test_it_serialises_sixteen_cashiers_on_one_account(alice, bob, carol, account, business_day):
    users = [alice, bob, carol]
    results = run_together(THREADS, lambda i: post_three(i, account.pk, [u.pk for u in users]))

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    posted = {pk for r in results for pk in r}
    # Each thread adds 10.00 + c + 3.00 and pays 7.00 + c: 6.00 a thread.
    assert balance(account) == entries_total(account) == D("6.00") * THREADS
    book = open_amounts(account)
    assert sum(book.values()) == D("96.00")
    assert all(amount > 0 for amount in book.values())

    rows = list(account.history.filter(history_change_reason__startswith="Transaction #"))
    named = {int(r.history_change_reason.split()[1].lstrip("#")) for r in rows}
    assert len(rows) == len(posted) == THREADS * 3
    assert named == posted
    by_txn = {t.pk: t for t in JournalTransaction.objects.filter(pk__in=posted)}
    for row in rows:
        txn = by_txn[int(row.history_change_reason.split()[1].lstrip("#"))]
        assert row.history_user_id == txn.created_by_id
        assert row.history_change_reason.endswith(f"): {txn.memo}")
    assert_history_chain(account)
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert ": 0 discrepancies" in out.getvalue()


def assert_history_chain(account: Account) -> None:
    """Each history row's balance = the previous one + what its transaction moved."""
    previous = D("0.00")
    for row in account.history.order_by("history_id"):
        reason = row.history_change_reason or ""
        moved = D("0.00")
        if reason.startswith("Transaction #"):
            txn_id = int(reason.split()[1].lstrip("#"))
            moved = sum(
                JournalEntry.objects.filter(transaction_id=txn_id, account=account).values_list(
                    "amount", flat=True
                ),
                D("0.00"),
            )
            assert moved != 0
        assert row.balance.amount - previous == moved, reason
        previous = row.balance.amount
    assert previous == balance(account)


def test_it_reverses_a_payment_once_when_eight_supervisors_try_together(
    alice, carol, account, business_day
):
    services.post_charges(
        account=account, charges=[(service("WATER"), D("40.00"))], memo="Bill", acting_user=alice
    )
    payment = services.post_payment(
        account=account, amount=D("40.00"), memo="Cash", acting_user=alice
    )

    def reverse(i: int) -> int:
        user = User.objects.get(pk=carol.pk)
        original = JournalTransaction.objects.get(pk=payment.pk)
        return services.reverse_transaction(original=original, memo=f"R{i}", acting_user=user).pk

    results = run_together(8, reverse)

    reversals = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, services.PostingRefused)]
    assert len(reversals) == 1
    assert len(refused) == 7
    assert all("already been reversed" in str(r) for r in refused)
    assert balance(account) == entries_total(account) == D("40.00")
