"""Random sequences of charges, payments and reversals keep every ledger invariant.

Each example posts to a fresh account, so examples do not see each other; after
every step the account is checked against a simple model (what it should owe)
and against the rules of the ledger.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account
from ledger import services
from ledger.models import JournalEntry, JournalTransaction
from tests.factories import make_account, service

from .book import CREDIT, balance, entries_total, open_amounts

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SERVICE_CODES = ["PEN", "RPF", "WATER", "SEWER", "STORM", "TRASH"]
amounts = st.integers(min_value=1, max_value=30_000).map(lambda cents: D(cents).scaleb(-2))
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("charge"),
            st.dictionaries(st.sampled_from(SERVICE_CODES), amounts, min_size=1, max_size=3),
        ),
        st.tuples(st.just("payment"), amounts),
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=100)),
    ),
    min_size=1,
    max_size=10,
)


class Model:
    """What the account should owe, and which postings can still be reversed."""

    def __init__(self) -> None:
        self.owed = D("0.00")
        self.reversible: list[tuple[JournalTransaction, D]] = []

    def step(self, op: tuple[str, Any], account: Account, user: User) -> None:
        kind, arg = op
        if kind == "charge":
            charges = [(service(code), amount) for code, amount in sorted(arg.items())]
            txn = services.post_charges(
                account=account, charges=charges, memo="Bill", acting_user=user
            )
            self._posted(txn, sum(arg.values(), D("0.00")))
        elif kind == "payment":
            txn = services.post_payment(account=account, amount=arg, memo="Pay", acting_user=user)
            self._posted(txn, -arg)
        elif self.reversible:
            original, moved = self.reversible.pop(arg % len(self.reversible))
            services.reverse_transaction(original=original, memo="Undo", acting_user=user)
            self.owed -= moved

    def _posted(self, txn: JournalTransaction, moved: D) -> None:
        self.owed += moved
        self.reversible.append((txn, moved))


def assert_invariants(account: Account, model: Model) -> None:
    assert balance(account) == entries_total(account) == model.owed
    book = open_amounts(account)
    credit = book.pop(CREDIT, D("0.00"))
    assert all(amount > 0 for amount in book.values()), f"a service is in credit: {book}"
    assert credit <= 0, "unapplied credit is a debit"
    assert credit == 0 or not book, f"credit {credit} left unapplied while {book} is owed"
    txn_ids = JournalEntry.objects.filter(account=account).values("transaction_id")
    totals = (
        JournalEntry.objects.filter(transaction_id__in=txn_ids)
        .values("transaction_id")
        .annotate(total=Sum("amount"))
    )
    assert [row for row in totals if row["total"] != 0] == []


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_it_keeps_the_invariants_after_every_step(alice, bob, business_day, ops):
    account = make_account(bob)
    model = Model()

    for op in ops:
        model.step(op, account, alice)
        assert_invariants(account, model)
