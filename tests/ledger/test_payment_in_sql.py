"""A payment posted by the database function writes exactly what the Python writer writes.

``services.post_payment`` is one call of ``ledger_post_payment`` (migration
0014); ``services.post_payment_by_writer`` is the same posting through
``LedgerWriter``. Two accounts with the same charges are paid the same amount,
one each way, and every row written is compared: the journal transaction, its
lines in order, the balance, the kept open amounts and the history row. The
allocation rule itself (``ledger_allocate`` in SQL, ``allocation.allocate`` in
Python) is held equal by a property test.
"""

from __future__ import annotations

from decimal import Decimal as D
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.choices import AccountStatus
from accounts.models import Account
from accounts.services import account_change_status
from ledger import services
from ledger.allocation import allocate
from ledger.models import AccountOpen, BusinessDay, JournalEntry, JournalTransaction, Service
from tests.factories import make_account, service

pytestmark = pytest.mark.django_db

# Columns that name the account itself (differ between the twin accounts) or the history row.
_OWN = {"id", "number", "customer_id", "premise_id", "created_at", "history_id", "history_date"}


def charged(user: User, charges: dict[str, str]) -> Account:
    account = make_account(User.objects.get(username="bob"))
    if charges:
        services.post_charges(
            account=account,
            charges=[(service(code), D(amount)) for code, amount in charges.items()],
            memo="Monthly bill",
            acting_user=user,
        )
    return account


def written(account: Account, txn: JournalTransaction, before: int) -> dict[str, Any]:
    """Everything the payment wrote, with the account's own identity taken out."""
    saved = JournalTransaction.objects.get(pk=txn.pk)
    assert (txn.business_date, txn.kind, txn.memo, txn.source, txn.created_by_id) == (
        saved.business_date,
        saved.kind,
        saved.memo,
        saved.source,
        saved.created_by_id,
    )
    assert txn.created_at == saved.created_at
    entries = [
        (
            e.gl_account.code,
            e.amount.amount,
            e.amount.currency.code,
            "this account" if e.account_id == account.pk else e.account_id,
            e.service.code if e.service else None,
            e.deposit_account_id,
        )
        for e in saved.entries.select_related("gl_account", "service").order_by("id")
    ]
    history = list(
        Account.history.filter(id=account.pk, history_id__gt=before)  # type: ignore[attr-defined]
        .order_by("history_id")
        .values()
    )
    reasons = [row.pop("history_change_reason") for row in history]
    return {
        "transaction": (saved.business_date, saved.kind, saved.memo, saved.source),
        "by": saved.created_by_id,
        "reversal_of": saved.reversal_of_id,
        "entries": entries,
        "later transactions": JournalTransaction.objects.filter(pk__gt=saved.pk).count(),
        "balance": Account.objects.get(pk=account.pk).balance.amount,
        "open": {
            (o.service.code if o.service else None): o.amount
            for o in AccountOpen.objects.filter(account=account).select_related("service")
        },
        "history": [{k: v for k, v in row.items() if k not in _OWN} for row in history],
        "reasons": [r.replace(f"#{saved.pk} ", "#N ") for r in reasons],
    }


def last_history_id() -> int:
    row = Account.history.order_by("-history_id").first()  # type: ignore[attr-defined]
    return row.history_id if row else 0


def both_ways(user: User, charges: dict[str, str], amount: str, memo: str = "Cash at counter"):
    """Pay twin accounts the same amount, by the database function and by the writer."""
    in_sql, by_writer = charged(user, charges), charged(user, charges)
    before = last_history_id()
    txn = services.post_payment(account=in_sql, amount=D(amount), memo=memo, acting_user=user)
    sql_rows = written(in_sql, txn, before)
    before = last_history_id()
    txn2 = services.post_payment_by_writer(
        account=by_writer, amount=D(amount), memo=memo, acting_user=user
    )
    writer_rows = written(by_writer, txn2, before)
    sql_rows["later transactions"] = writer_rows["later transactions"] = 0  # by_writer came after
    return sql_rows, writer_rows


CASES = {
    "partial": ({"WATER": "40.00", "SEWER": "30.00"}, "50.00"),
    "exact": ({"WATER": "40.00", "SEWER": "30.00"}, "70.00"),
    "overpaid": ({"WATER": "40.00", "SEWER": "30.00"}, "100.01"),
    "nothing owed": ({}, "25.00"),
    "multi-service": (
        {"TRASH": "18.00", "PEN": "5.00", "STORM": "7.25", "WATER": "41.10", "SEWER": "33.40"},
        "60.00",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_it_writes_the_rows_the_writer_writes(alice, bob, business_day, case):
    charges, amount = CASES[case]
    in_sql, by_writer = both_ways(alice, charges, amount)
    assert in_sql == by_writer
    assert in_sql["reasons"] == ["Transaction #N (payment): Cash at counter"]
    assert in_sql["history"][0]["history_user_id"] == alice.pk


def test_it_pays_an_account_in_credit_like_the_writer(alice, bob, business_day):
    """A second payment on an account already in credit adds to its unapplied credit."""
    in_sql, by_writer = charged(alice, {"WATER": "10.00"}), charged(alice, {"WATER": "10.00"})
    for account in (in_sql, by_writer):
        services.post_payment_by_writer(
            account=account, amount=D("15.00"), memo="First", acting_user=alice
        )
    before = last_history_id()
    txn = services.post_payment(account=in_sql, amount=D("5.00"), memo="More", acting_user=alice)
    sql_rows = written(in_sql, txn, before)
    before = last_history_id()
    txn2 = services.post_payment_by_writer(
        account=by_writer, amount=D("5.00"), memo="More", acting_user=alice
    )
    assert sql_rows == written(by_writer, txn2, before)
    assert sql_rows["balance"] == D("-10.00")
    assert sql_rows["open"] == {"WATER": D("0.00"), None: D("-10.00")}


def test_it_keeps_long_memos_and_sources_as_the_writer_does(alice, bob, business_day):
    in_sql, by_writer = both_ways(alice, {"WATER": "40.00"}, "12.34", memo="m" * 600)
    assert in_sql == by_writer
    assert len(in_sql["transaction"][2]) == 500


def test_it_leaves_a_clean_ledger(alice, bob, business_day):
    for case in CASES.values():
        both_ways(alice, *case)
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().rstrip().endswith(": 0 discrepancies")


def test_it_refuses_the_wrong_user_and_writes_nothing(dave, alice, bob, business_day):
    account = charged(alice, {"WATER": "40.00"})
    count = JournalTransaction.objects.count()
    with pytest.raises(PermissionDenied):
        services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=dave)
    assert JournalTransaction.objects.count() == count


def test_it_refuses_a_closed_account_with_the_writers_message(alice, bob, business_day):
    account = make_account(bob, active=False)
    account = account_change_status(
        account=account, to=AccountStatus.CLOSED, acting_user=bob, reason="Opened in error"
    )
    messages = []
    for post in (services.post_payment, services.post_payment_by_writer):
        with pytest.raises(services.PostingRefused) as refused:
            post(account=account, amount=D("5.00"), memo="Cash", acting_user=alice)
        messages.append(str(refused.value))
    assert (
        messages[0]
        == messages[1]
        == f"Account {account.number} is closed: nothing can be posted to it."
    )
    assert not JournalEntry.objects.filter(account=account).exists()


def test_it_refuses_without_an_open_business_day(alice, bob):
    account = make_account(bob)
    with pytest.raises(services.PostingRefused, match="No business day is open"):
        services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=alice)
    assert not JournalTransaction.objects.exists()


def test_it_keeps_the_callers_transaction_usable_after_a_refusal(alice, bob, business_day):
    account = make_account(bob)
    BusinessDay.objects.filter(pk=business_day.pk).update(status="closed")
    with pytest.raises(services.PostingRefused):
        services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=alice)
    assert Account.objects.filter(pk=account.pk).exists()  # no aborted transaction


def test_it_settles_an_account_out_of_its_resting_shape_through_the_writer(
    alice, bob, business_day
):
    """Credit left unapplied beside an owed service (written around the ledger's services)."""
    account = charged(alice, {"WATER": "40.00"})
    unapplied = services.LedgerWriter(acting_user=alice).unapplied_gl
    cash = services.LedgerWriter(acting_user=alice).chart.gl("cash")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journaltransaction (business_date, kind, memo, source,"
            " created_by_id) VALUES (%s, 'payment', 'raw', '', %s) RETURNING id",
            [business_day.date, alice.pk],
        )
        (pk,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount,"
            " amount_currency, account_id) VALUES (%s, %s, 10, 'USD', NULL),"
            " (%s, %s, -10, 'USD', %s)",
            [pk, cash.pk, pk, unapplied.pk, account.pk],
        )
        cursor.execute(
            "UPDATE accounts_account SET balance = balance - 10 WHERE id = %s", [account.pk]
        )
    txn = services.post_payment(account=account, amount=D("5.00"), memo="Cash", acting_user=alice)
    assert txn.kind == "payment"
    settled = JournalTransaction.objects.filter(pk__gt=pk, kind="credit_application")
    assert settled.count() == 1  # the writer settled the credit before the payment
    assert Account.objects.get(pk=account.pk).balance.amount == D("25.00")
    assert dict(
        AccountOpen.objects.filter(account=account).values_list("service__code", "amount")
    ) == {"WATER": D("25.00"), None: D("0.00")}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_posts_in_one_statement_outside_a_transaction(alice, bob, business_day):
    account = charged(alice, {"WATER": "40.00", "SEWER": "30.00"})
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        txn = services.post_payment(
            account=account, amount=D("50.00"), memo="Cash", acting_user=alice
        )
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("SELECT status, transaction_id, created_at")
    assert Account.objects.get(pk=account.pk).balance.amount == D("20.00")
    assert txn.pk == JournalTransaction.objects.latest("pk").pk
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().rstrip().endswith(": 0 discrepancies")


owed_amounts = st.integers(min_value=-5_000, max_value=50_000).map(lambda c: D(c).scaleb(-2))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    owed=st.dictionaries(
        st.sampled_from(["PEN", "RPF", "WATER", "SEWER", "STORM", "TRASH"]), owed_amounts
    ),
    amount=st.integers(min_value=1, max_value=100_000).map(lambda c: D(c).scaleb(-2)),
)
def test_it_allocates_in_sql_by_the_rule_of_python(db, owed, amount):
    chart = {s.code: s for s in Service.objects.all()}
    by_pk = {chart[code].pk: value for code, value in owed.items()}
    parts, excess = allocate(amount, by_pk, chart.values())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.service_id, u.paid FROM ledger_allocate(%s, %s::bigint[], %s::numeric[]) a,"
            " unnest(a.services, a.paid) WITH ORDINALITY AS u(service_id, paid, n) ORDER BY u.n",
            [amount, list(by_pk), list(by_pk.values())],
        )
        in_sql = cursor.fetchall()
    assert in_sql == [(s.pk, paid) for s, paid in parts]
    assert amount - sum((paid for _, paid in in_sql), D("0")) == excess
