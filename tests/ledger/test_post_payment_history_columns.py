"""``ledger_post_payment`` writes every column of the account's history row.

Migration 0020 names the history row's columns instead of copying the account
row through ``jsonb_populate_record``, so a field added to ``Account`` (or to
its history model) would silently be left empty by a payment. These tests read
the function's definition from the database and compare its column lists with
the models' fields: add the field to the function (in a new migration) when one
of them fails.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from accounts.models import Account

pytestmark = pytest.mark.django_db

HistoricalAccount = Account.history.model  # type: ignore[attr-defined]
# Filled by the column's own default (the identity sequence).
_DEFAULTED = {"history_id"}


def _definition() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p"
            " WHERE p.proname = 'ledger_post_payment'"
        )
        rows = cursor.fetchall()
    assert len(rows) == 1, "exactly one ledger_post_payment function"
    return str(rows[0][0])


def _names(text: str) -> list[str]:
    return [re.sub(r"^a\.", "", n.strip()) for n in text.split(",") if n.strip()]


def _history_insert_columns() -> list[str]:
    found = re.search(r"INSERT INTO accounts_historicalaccount\s*\(([^)]*)\)", _definition())
    assert found, "ledger_post_payment inserts into accounts_historicalaccount with named columns"
    return _names(found.group(1))


def _updated_account_columns() -> list[str]:
    found = re.search(
        r"UPDATE accounts_account a SET balance.*?RETURNING(.*?)\)\s*INSERT", _definition(), re.S
    )
    assert found, "ledger_post_payment returns the updated account row's columns"
    return _names(found.group(1))


def test_every_history_column_is_written() -> None:
    model = {f.column for f in HistoricalAccount._meta.concrete_fields} - _DEFAULTED
    written = _history_insert_columns()
    assert len(written) == len(set(written))
    assert set(written) == model, (
        f"ledger_post_payment does not write {sorted(model - set(written))}; "
        f"writes unknown {sorted(set(written) - model)}"
    )


def test_every_account_field_kept_in_history_comes_from_the_updated_row() -> None:
    history = {f.column for f in HistoricalAccount._meta.concrete_fields}
    account = {f.column for f in Account._meta.concrete_fields} & history
    # The account fields history keeps (all but ``excluded_fields``) are read from the row
    # the balance update returns, in the order they are inserted.
    returned = _updated_account_columns()
    assert set(returned) == account
    assert _history_insert_columns()[: len(returned)] == returned
