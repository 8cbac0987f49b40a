"""Find card numbers already stored: every text column of every table, masked report.

For an office bringing old notes in (or checking that nothing slipped through):
each text, varchar and char column of every table in the schema is read, and each
value holding a run of 13-19 digits (spaces or dashes allowed) that passes the
Luhn check is reported as ``table  column  row <id>  ****1234``. The number itself
is never printed. Exit status 1 when anything is found, 0 when the data is clean.

PostgreSQL picks the candidate rows (a 13-digit run, or any non-ASCII character,
since digits of other scripts count too); Python applies the same rule as the
forms (``billing_site.common.cards``). A value that is a whole hexadecimal digest
(a file hash, a token key) is not a card number and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from billing_site.common.cards import card_numbers_in, masked

_HEX_DIGEST = re.compile(r"(?=.*[a-f])[0-9a-f]{32,}", re.IGNORECASE)
_COLUMNS = """
    SELECT c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      AND c.data_type IN ('text', 'character varying', 'character')
    ORDER BY c.table_name, c.column_name
"""
_PRIMARY_KEY = """
    SELECT a.attname FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE i.indrelid = %s::regclass AND i.indisprimary
    ORDER BY array_position(i.indkey, a.attnum)
"""
CANDIDATE = r"[0-9]([ -]?[0-9]){12}"


class Command(BaseCommand):
    help = "Report stored values that look like payment card numbers (masked); exit 1 if any."

    def handle(self, *args: Any, **options: Any) -> None:
        found = 0
        columns = self._columns()
        row_ids: dict[str, str] = {}  # table -> SQL of its row id (primary key, else ctid)
        for table, column in columns:
            if table not in row_ids:
                row_ids[table] = self._row_id_sql(table)
            for row_id, digits in self._scan(table, column, row_ids[table]):
                found += 1
                self.stdout.write(f"{table}  {column}  row {row_id}  {masked(digits)}")
        if found:
            raise CommandError(
                f"{found} value(s) look like card numbers; remove them (DESIGN section 5).",
                returncode=1,
            )
        self.stdout.write(f"No card numbers in {len(columns)} text columns.")

    def _columns(self) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(_COLUMNS)
            return [(table, column) for table, column in cursor.fetchall()]

    def _row_id_sql(self, table: str) -> str:
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(_PRIMARY_KEY, [q(table)])
            keys = [name for (name,) in cursor.fetchall()]
        if not keys:
            return "ctid::text"
        return " || '/' || ".join(f"{q(key)}::text" for key in keys)

    def _scan(self, table: str, column: str, row_id_sql: str) -> Iterator[tuple[str, str]]:
        q = connection.ops.quote_name
        col = q(column)
        sql = (
            f"SELECT {row_id_sql}, {col} FROM {q(table)} "
            f"WHERE {col} ~ %s OR octet_length({col}) <> char_length({col})"
        )
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [CANDIDATE])
            for row_id, value in cursor:
                if _HEX_DIGEST.fullmatch(value):
                    continue
                for digits in card_numbers_in(value):
                    yield row_id, digits
