"""The two database roles: the application role cannot edit the journal or history, truncate,
disable triggers or switch them off; the deploy check warns about a superuser app login.

The roles are made on the test database by ``manage.py db_roles`` and removed again after
each test (``REASSIGN OWNED`` back to the superuser the suite runs as; see
docs/reliability.md for why the suite itself does not run as the application role).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.signals import post_migrate

from billing_site.common import checks, db_roles
from ledger.models import GLAccount, JournalTransaction

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Roles belong to the whole server: each pytest-xdist worker makes its own pair.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
OWNER, APP = f"test_billing_owner_{_WORKER}", f"test_billing_app_{_WORKER}"


def _drop_roles() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)", [OWNER, APP])
        existing = {row[0] for row in cursor.fetchall()}
        if OWNER in existing:
            cursor.execute(f'REASSIGN OWNED BY "{OWNER}" TO current_user')
        for role in (APP, OWNER):
            if role in existing:
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')


def _connect_as(user: str) -> BaseDatabaseWrapper:
    conn = connections.create_connection("default")
    conn.settings_dict = {**conn.settings_dict, "USER": user, "PASSWORD": ""}
    return conn


@pytest.fixture
def as_app() -> Iterator[BaseDatabaseWrapper]:
    """A connection logged in as the application role, after ``db_roles`` made it."""
    _drop_roles()
    call_command("db_roles", owner=OWNER, app=APP, verbosity=0)
    conn = _connect_as(APP)
    try:
        yield conn
    finally:
        conn.close()
        _drop_roles()


def _run(conn: BaseDatabaseWrapper, statement: str, params: Any = None) -> Any:
    """One statement in autocommit: its own transaction, deferred triggers fire at its end."""
    with conn.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() if cursor.description else None


REFUSED = [
    "UPDATE ledger_journalentry SET amount = amount WHERE false",
    "DELETE FROM ledger_journaltransaction WHERE false",
    "UPDATE accounts_historicalaccount SET balance = balance WHERE false",
    "DELETE FROM accounts_historicalaccount WHERE false",
    "DELETE FROM common_rolechange WHERE false",
    "TRUNCATE ledger_journalentry",
    "TRUNCATE payments_payment CASCADE",
    "TRUNCATE django_session",
    "ALTER TABLE ledger_journalentry DISABLE TRIGGER ALL",
    "ALTER TABLE accounts_account DISABLE TRIGGER USER",
    "SET session_replication_role = replica",
    "DROP TABLE ledger_journalentry",
    "CREATE TABLE sneaky (id int)",
    "UPDATE django_migrations SET app = app WHERE false",
]


def test_it_refuses_the_app_role(as_app):
    accepted = []
    for statement in REFUSED:  # one role set-up for all: each statement in its own transaction
        try:
            _run(as_app, statement)
        except DatabaseError as error:
            assert re.search(r"permission denied|must be owner", str(error)), (statement, error)
        else:
            accepted.append(statement)
    assert accepted == []


ALLOWED = [
    "SELECT count(*) FROM ledger_journalentry",
    "SELECT count(*) FROM accounts_historicalaccount",
    "UPDATE accounts_account SET balance = balance WHERE false",
    "DELETE FROM django_session WHERE false",
    "UPDATE payments_drawer SET status = status WHERE false",
    "SELECT nextval(pg_get_serial_sequence('common_rolechange', 'id'))",
]


def test_it_lets_the_app_role_do_its_work(as_app):
    for statement in ALLOWED:
        _run(as_app, statement)


def test_it_lets_the_app_role_post_a_balanced_transaction(as_app, alice, business_day):
    cash, over_short = (GLAccount.objects.get(role=role).pk for role in ("cash", "over_short"))
    (txn_id,) = _run(
        as_app,
        "WITH t AS (INSERT INTO ledger_journaltransaction (business_date, kind, memo, source,"
        "  created_by_id) VALUES (%s, 'over_short', 'as the app role', '', %s) RETURNING id)"
        " INSERT INTO ledger_journalentry (transaction_id, gl_account_id, amount, amount_currency)"
        " SELECT t.id, g, a, 'USD' FROM t, (VALUES (%s, 1.00), (%s, -1.00)) AS v(g, a)"
        " RETURNING transaction_id",
        [business_day.date, alice.pk, cash, over_short],
    )

    assert JournalTransaction.objects.filter(pk=txn_id, memo="as the app role").exists()


def test_it_hands_every_table_to_the_owner(as_app):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            " AND tableowner <> %s",
            [OWNER],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [APP])
        assert cursor.fetchone()[0] is False


def test_it_lists_every_history_table_as_append_only():
    tables = db_roles.append_only_tables()
    assert {"ledger_journalentry", "ledger_journaltransaction", "common_rolechange"} <= set(tables)
    assert {"accounts_historicalaccount", "accounts_historicalcustomer"} <= set(tables)


def test_it_warns_when_the_app_logs_in_as_a_superuser():
    problems = db_roles.role_problems(connection)  # the test suite's own superuser

    assert any("is a superuser" in p for p in problems)
    assert any("ledger_journalentry" in p for p in problems)
    assert {m.id for m in checks.check_database_role()} == {"common.W001"}


def test_it_passes_the_app_role(as_app):
    assert db_roles.role_problems(as_app) == []


def test_it_is_safe_to_run_twice(as_app):
    call_command("db_roles", owner=OWNER, app=APP, verbosity=0)

    with pytest.raises(DatabaseError, match="permission denied"):
        _run(as_app, "UPDATE ledger_journalentry SET amount = amount WHERE false")


def test_it_migrates_as_the_owner_and_grants_the_app_again(as_app, settings):
    settings.DATABASE_OWNER_URL = f"postgres://{OWNER}@/{connection.settings_dict['NAME']}"
    users: list[str] = []

    def who_migrates(sender: Any, using: str, **kwargs: Any) -> None:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT current_user")
            users.append(cursor.fetchone()[0])

    post_migrate.connect(who_migrates, dispatch_uid="test_who_migrates")
    try:
        call_command("migrate", verbosity=0)
    finally:
        post_migrate.disconnect(dispatch_uid="test_who_migrates")

    assert set(users) == {OWNER}
    assert connection.settings_dict["USER"] != OWNER  # the app's connection is back as it was
    assert db_roles.role_problems(as_app) == []
    _run(as_app, "SELECT count(*) FROM ledger_journalentry")
