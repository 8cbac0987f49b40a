"""Least privilege in PostgreSQL: an owner role that runs migrations, an app role that only
reads and writes rows.

* The **owner** (``billing_owner``) owns the database, every table, sequence and
  function of the schema: it runs ``manage.py migrate`` (``DATABASE_OWNER_URL``).
* The **app** (``billing_app``, the user of ``DATABASE_URL``) owns nothing, so it
  cannot ``ALTER TABLE ... DISABLE TRIGGER`` or drop anything; it is no superuser,
  so it cannot ``SET session_replication_role = replica``; it has no ``TRUNCATE``
  anywhere; on the append-only tables (the journal, every simple-history table,
  role changes) it may only ``SELECT`` and ``INSERT``; on the others
  ``SELECT, INSERT, UPDATE, DELETE``; ``django_migrations`` it may only read.

``manage.py db_roles`` (run once by a database superuser) creates the roles and
applies all this; ``manage.py migrate`` run as the owner applies the grants again
afterwards, so tables added by a migration get theirs at once (and default
privileges give a new table only ``SELECT, INSERT`` until then).
"""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

# Append-only besides the history tables: the journal (its triggers refuse UPDATE and
# DELETE too; this is the second wall) and the record of role changes.
APPEND_ONLY = ("ledger_journaltransaction", "ledger_journalentry", "common_rolechange")
READ_ONLY = ("django_migrations",)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def append_only_tables() -> list[str]:
    """The journal, role changes and every simple-history table."""
    history = [
        model._meta.db_table
        for model in apps.get_models()
        if model.__name__.startswith("Historical") and hasattr(model, "history_id")
    ]
    return sorted({*APPEND_ONLY, *history})


def checked_role(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise ValueError(f"{name!r} is not a plain role name (lower case, digits, _).")
    return name


def _q(name: str) -> str:
    return '"' + checked_role(name) + '"'


def create_role(cursor: Any, name: str, password: str | None) -> bool:
    """Create a login role with no special powers, or strip them from an existing one."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    created = cursor.fetchone() is None
    verb = "CREATE" if created else "ALTER"
    cursor.execute(
        f"{verb} ROLE {_q(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
        " NOBYPASSRLS"
    )
    if password:
        cursor.execute(f"ALTER ROLE {_q(name)} PASSWORD %s", [password])
    return created


def transfer_ownership(cursor: Any, owner: str) -> None:
    """Make ``owner`` own the database and everything in the current schema."""
    cursor.execute("SELECT current_database(), current_schema()")
    database, schema = cursor.fetchone()
    cursor.execute(f'ALTER DATABASE "{database}" OWNER TO {_q(owner)}')
    cursor.execute(f'GRANT USAGE, CREATE ON SCHEMA "{schema}" TO {_q(owner)}')
    cursor.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid"
        "                 AND d.deptype IN ('a', 'i') AND c.relkind = 'S')"
    )
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    for name, kind in cursor.fetchall():
        cursor.execute(f'ALTER {kinds[kind]} "{schema}"."{name}" OWNER TO {_q(owner)}')
    cursor.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
        " AND p.prokind IN ('f', 'p')"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
    )
    for (signature,) in cursor.fetchall():  # the ledger's trigger functions
        cursor.execute(f"ALTER ROUTINE {signature} OWNER TO {_q(owner)}")


def grant_app(cursor: Any, *, owner: str, app: str) -> None:
    """The app role's grants on every table of the current schema (run again after migrate)."""
    cursor.execute("SELECT current_database(), current_schema()")
    database, schema = cursor.fetchone()
    app_q, owner_q = _q(app), _q(owner)
    cursor.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {app_q}')
    cursor.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {app_q}')
    cursor.execute(f'REVOKE CREATE ON SCHEMA "{schema}" FROM PUBLIC, {app_q}')
    cursor.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM PUBLIC, {app_q}')
    cursor.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {app_q}')
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    append_only = set(append_only_tables())
    for (table,) in cursor.fetchall():
        if table in READ_ONLY:
            rights = "SELECT"
        elif table in append_only:
            rights = "SELECT, INSERT"
        else:
            rights = "SELECT, INSERT, UPDATE, DELETE"
        cursor.execute(f'GRANT {rights} ON TABLE "{schema}"."{table}" TO {app_q}')
    default = f'ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA "{schema}"'
    cursor.execute(f"{default} GRANT SELECT, INSERT ON TABLES TO {app_q}")
    cursor.execute(f"{default} GRANT USAGE, SELECT ON SEQUENCES TO {app_q}")


def role_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """What is wrong with the role ``connection`` uses, for the deploy check (empty: fine)."""
    tables = append_only_tables()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename = ANY(%s) AND (tableowner = current_user"
            "   OR pg_has_role(current_user, tableowner, 'USAGE')"
            "   OR has_table_privilege(tablename, 'UPDATE, DELETE, TRUNCATE'))"
            " ORDER BY tablename",
            [tables],
        )
        writable = [row[0] for row in cursor.fetchall()]
    problems = []
    if superuser:
        problems.append(f"The application's database user {user} is a superuser.")
    if writable:
        problems.append(
            f"The application's database user {user} owns, or may update, delete or truncate, "
            f"the append-only tables {', '.join(writable)}."
        )
    return problems
