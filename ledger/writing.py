"""One SQL statement writes a whole flush: journal rows, entries, balances and history.

``LedgerWriter`` decides everything in Python (validation, allocation, credit
settlement, the balance after each transaction); this module sends the result
to PostgreSQL as arrays in **one** statement of data-modifying CTEs, whatever
the number of transactions (one payment at the counter, 500 lockbox rows, a
bill run's chunk of 10,000 accounts):

* transaction ids come from the table's sequence, one per posting in order;
* ``INSERT ... SELECT FROM unnest`` for transactions and entries (ids ascend
  in posting order, lines in the order they were given);
* one ``UPDATE ... FROM unnest`` for the accounts whose balance moved (every
  account with a history row, even if it ends where it began);
* one ``INSERT ... SELECT`` for the history rows, one per transaction that
  changed an account's balance, naming the transaction and the acting user,
  the account's other columns copied from the updated row (the columns are read from
  the historical model, so a new ``Account`` field is carried without edits).

The database's triggers see exactly what they saw before (statement-level
triggers and the deferred checks run at the end of the statement and at
commit), so a flush is still refused whole if any rule is broken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.models import Account
from billing_site.common.money import CURRENCY

from .models import JournalEntry, JournalTransaction

# Columns of the history table filled from the statement rather than the account row.
_HISTORY_OWN = {"history_id", "history_date", "history_change_reason", "history_type"}


@dataclass
class FlushArrays:
    """The rows of one flush as parallel arrays (PostgreSQL ``unnest`` takes them as they are)."""

    kinds: list[str] = field(default_factory=list)
    memos: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    reversals: list[int | None] = field(default_factory=list)
    e_ord: list[int] = field(default_factory=list)
    e_gl: list[int] = field(default_factory=list)
    e_amount: list[Decimal] = field(default_factory=list)
    e_account: list[int | None] = field(default_factory=list)
    e_service: list[int | None] = field(default_factory=list)
    e_deposit: list[int | None] = field(default_factory=list)
    b_account: list[int] = field(default_factory=list)
    b_balance: list[Decimal] = field(default_factory=list)
    h_account: list[int] = field(default_factory=list)
    h_ord: list[int] = field(default_factory=list)
    h_balance: list[Decimal] = field(default_factory=list)
    h_reason: list[str] = field(default_factory=list)


@cache
def _statement() -> str:
    history = Account.history.model  # type: ignore[attr-defined]
    columns = [f.column for f in history._meta.concrete_fields if f.column not in _HISTORY_OWN]
    picked = [
        "h.balance" if c == "balance" else "%(user)s" if c == "history_user_id" else f"a.{c}"
        for c in columns
    ]
    seq = f"pg_get_serial_sequence('{JournalTransaction._meta.db_table}', 'id')"
    return f"""
WITH ids AS MATERIALIZED (
    SELECT ord, nextval({seq}) AS id FROM generate_series(1, %(n)s) AS ord
), txn AS (
    INSERT INTO {JournalTransaction._meta.db_table}
        (id, business_date, kind, memo, source, created_by_id, reversal_of_id)
    SELECT ids.id, %(day)s, v.kind, v.memo, v.source, %(user)s, v.reversal_of
    FROM unnest(%(kinds)s::text[], %(memos)s::text[], %(sources)s::text[],
                %(reversals)s::bigint[]) WITH ORDINALITY AS v(kind, memo, source, reversal_of, ord)
    JOIN ids USING (ord)
    ORDER BY ids.ord
    RETURNING id, created_at
), lines AS (
    INSERT INTO {JournalEntry._meta.db_table} (transaction_id, gl_account_id, amount,
        amount_currency, account_id, service_id, deposit_account_id)
    SELECT ids.id, e.gl, e.amount, %(currency)s, e.account, e.service, e.deposit
    FROM unnest(%(e_ord)s::bigint[], %(e_gl)s::bigint[], %(e_amount)s::numeric[],
                %(e_account)s::bigint[], %(e_service)s::bigint[], %(e_deposit)s::bigint[])
         WITH ORDINALITY AS e(ord, gl, amount, account, service, deposit, line)
    JOIN ids USING (ord)
    ORDER BY e.line
), balances AS (
    UPDATE {Account._meta.db_table} AS b SET balance = v.balance
    FROM unnest(%(b_account)s::bigint[], %(b_balance)s::numeric[]) AS v(id, balance)
    WHERE b.id = v.id
    RETURNING b.*
), history AS (
    INSERT INTO {history._meta.db_table}
        ({", ".join(columns)}, history_date, history_change_reason, history_type)
    SELECT {", ".join(picked)}, %(now)s, 'Transaction #' || ids.id || ' ' || h.reason, '~'
    FROM unnest(%(h_account)s::bigint[], %(h_ord)s::bigint[], %(h_balance)s::numeric[],
                %(h_reason)s::text[]) WITH ORDINALITY AS h(account, ord, balance, reason, n)
    JOIN ids USING (ord)
    JOIN balances AS a ON a.id = h.account
    ORDER BY h.n
)
SELECT array_agg(id ORDER BY id), statement_timestamp() FROM txn"""


# The arrays of numbers and ids, sent as PostgreSQL array literals: psycopg's
# client-side list adaptation took about 0.1 s per 80,000-line array of a bill
# run's chunk, joining the strings about a seventh of that.
_NUMERIC = ("reversals", "e_ord", "e_gl", "e_amount", "e_account", "e_service", "e_deposit")
_NUMERIC += ("b_account", "b_balance", "h_account", "h_ord", "h_balance")


def _literal(values: list[Any]) -> str:
    """``{1,NULL,-38.12}``: ints and Decimals print as PostgreSQL reads them."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


def write_flush(
    arrays: FlushArrays, *, user: Any, business_date: date
) -> tuple[list[int], datetime]:
    """Send one flush; returns the transactions' ids in posting order and their created_at.

    Every row of the statement has the same ``created_at`` (the column's default
    is ``statement_timestamp()``), so it is read once, not once per row.
    """
    params = {
        **arrays.__dict__,
        **{name: _literal(getattr(arrays, name)) for name in _NUMERIC},
        "n": len(arrays.kinds),
        "day": business_date,
        "user": user.pk,
        "currency": CURRENCY,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        ids, created_at = cursor.fetchone()
        return list(ids), created_at
