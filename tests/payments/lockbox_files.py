"""Lockbox files for tests and benchmarks, in the format of docs/lockbox_format.md."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

HEADER = "deposit_date,batch,sequence,account,amount,check_number,remitter"


def lockbox_file(rows: Iterable[tuple[str, str]], *, batch: int = 1, start: int = 1) -> bytes:
    """(account, amount) rows as a lockbox CSV from bank batch ``batch``."""
    lines = [HEADER]
    total = Decimal("0.00")
    for n, (account, amount) in enumerate(rows, start=start):
        lines.append(f"2026-11-20,{batch},{n},{account},{amount},{5000 + n},Remitter {n}")
        total += Decimal(amount)
    lines.append(trailer(len(lines) - 1, total))
    return ("\r\n".join(lines) + "\r\n").encode()


def trailer(count: int, total: Decimal) -> str:
    return f"trailer,{count},{total:.2f}"
