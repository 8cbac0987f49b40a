"""Reading a lockbox file from the bank (the format is in docs/lockbox_format.md).

The whole file is refused, with a message naming the line, when it is not UTF-8,
its header is not exactly ``HEADER``, a row has the wrong number of columns, a
date or amount cannot be read, two rows repeat a row key (or the same row), a
column holds what looks like a payment card number (never stored, never echoed:
the message names the line and the column only), or its trailer (the bank's row
count and total) is missing or does not match its rows. Line numbers are the
file's own lines (a quoted field may span several).
Rows that read fine but cannot be posted as they stand (unknown account ...)
are not refused here: they become exceptions a person resolves.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing_site.common.cards import looks_like_card_number
from billing_site.common.money import parse_amount

HEADER = ("deposit_date", "batch", "sequence", "account", "amount", "check_number", "remitter")
MAX_ROWS = 100_000
TRAILER = "trailer"


class LockboxFormatError(ValueError):
    """The file cannot be read as a lockbox file; nothing of it is imported."""


@dataclass(frozen=True)
class LockboxRow:
    line: int
    deposit_date: date
    batch: str
    sequence: str
    account: str
    amount: Decimal
    check_number: str
    remitter: str

    @property
    def key(self) -> str:
        """The bank's identity of the item: the same key never posts twice."""
        return f"{self.deposit_date.isoformat()}/{self.batch}/{self.sequence}"


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_lockbox(data: bytes) -> list[LockboxRow]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise LockboxFormatError("The file is empty.")
    if tuple(h.strip().lower() for h in header) != HEADER:
        raise LockboxFormatError(
            f"Wrong columns: expected {','.join(HEADER)} but found {','.join(header)}."
        )
    rows: list[LockboxRow] = []
    seen: dict[str, int] = {}
    trailer: tuple[int, int, Decimal] | None = None
    ended = reader.line_num  # a quoted remitter may span lines: count the file's lines
    for fields in reader:
        line, ended = ended + 1, reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if trailer is not None:
            raise LockboxFormatError(
                f"Line {line} comes after the trailer (line {trailer[0]}): the trailer is the "
                "file's last line."
            )
        if fields[0].strip().lower() == TRAILER:
            trailer = (line, *_trailer(line, fields))
            continue
        row = _row(line, fields)
        if row.key in seen:
            raise LockboxFormatError(
                f"Line {line} repeats line {seen[row.key]} (deposit date, batch and sequence "
                f"{row.key}): duplicate rows are refused; ask the bank for a corrected file."
            )
        seen[row.key] = line
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise LockboxFormatError(f"More than {MAX_ROWS} rows: split the file.")
    if not rows:
        raise LockboxFormatError("The file has a header but no payments.")
    _check_trailer(trailer, rows)
    return rows


def _trailer(line: int, fields: list[str]) -> tuple[int, Decimal]:
    """The bank's control figures: ``trailer,<row count>,<total amount>``."""
    count, total = [*fields, "", ""][1:3]
    if len(fields) != 3 or not count.strip().isdigit():
        raise LockboxFormatError(
            f"Line {line}: the trailer must read trailer,<number of rows>,<total amount>."
        )
    try:
        return int(count.strip()), parse_amount(total)
    except ValueError as error:
        raise LockboxFormatError(f"Line {line}: trailer total {total!r}: {error}") from None


def _check_trailer(trailer: tuple[int, int, Decimal] | None, rows: list[LockboxRow]) -> None:
    """The whole file is held back unless its rows add up to the bank's control figures."""
    if trailer is None:
        raise LockboxFormatError(
            "The file has no trailer line (trailer,<number of rows>,<total amount>), so its "
            "rows cannot be checked against the bank's control figures. Nothing was imported: "
            "ask the bank for the complete file."
        )
    _line, count, total = trailer
    found = sum((r.amount for r in rows), Decimal("0.00"))
    if count != len(rows) or total != found:
        raise LockboxFormatError(
            f"The file is on hold: its trailer says {count} rows for ${total:,.2f} but the file "
            f"holds {len(rows)} rows for ${found:,.2f}. Nothing was imported: the file may be "
            "cut short or altered; ask the bank to send it again."
        )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LockboxFormatError(
            f"The file is not UTF-8 text (bad byte on line {line}); export it as UTF-8 CSV."
        ) from None


def _row(line: int, fields: list[str]) -> LockboxRow:
    if len(fields) != len(HEADER):
        raise LockboxFormatError(
            f"Line {line} has {len(fields)} columns; every row needs {len(HEADER)}."
        )
    for column, text in zip(HEADER, fields, strict=True):
        if looks_like_card_number(text):
            raise LockboxFormatError(
                f"Line {line}: the {column} column looks like a payment card number; card "
                "numbers are never stored. Nothing was imported: ask the bank for a file "
                "without it."
            )
    deposit, batch, sequence, account, amount, check_number, remitter = (f.strip() for f in fields)
    try:
        deposit_date = date.fromisoformat(deposit)
    except ValueError:
        raise LockboxFormatError(
            f"Line {line}: deposit date {deposit!r} is not YYYY-MM-DD."
        ) from None
    if not (batch.isdigit() and sequence.isdigit()):
        raise LockboxFormatError(f"Line {line}: batch and sequence must be whole numbers.")
    try:
        value = parse_amount(amount)
    except ValueError as error:
        raise LockboxFormatError(f"Line {line}: amount {amount!r}: {error}") from None
    return LockboxRow(
        line=line,
        deposit_date=deposit_date,
        batch=batch.lstrip("0") or "0",
        sequence=sequence.lstrip("0") or "0",
        account=account[:40],
        amount=value,
        check_number=check_number[:30],
        remitter=remitter[:200],
    )
