"""Gap-free numbers from locked counter rows, and account-number check digits."""

from __future__ import annotations

from django.db import connection, transaction

from .models import NumberSequence


def next_number(name: str, *, start: int = 1) -> int:
    """Take the next number of sequence ``name``; must run inside the using transaction.

    One statement: an upsert whose ``UPDATE ... RETURNING`` locks the counter row
    until the caller's transaction ends, so numbers stay gap-free (a rollback gives
    the number back) and concurrent takers queue on the row, not on a read first.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that uses the number")
    table = NumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS seq (name, next_value) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET next_value = seq.next_value + 1 "
            "RETURNING seq.next_value - 1",
            [name, start + 1],
        )
        (value,) = cursor.fetchone()
    return int(value)


def next_numbers(name: str, count: int, *, start: int = 1) -> range:
    """Reserve ``count`` consecutive numbers of ``name`` at once, as a ``range``.

    One ``UPDATE ... RETURNING`` on the counter row, so a worker numbering a
    chunk of 500 bills holds the row lock for one statement instead of queueing
    500 times. Like :func:`next_number` the block is gap-free: it must be used
    by the transaction that reserved it, and a rollback gives it back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_numbers() must run inside the transaction that uses the numbers")
    if count < 1:
        raise ValueError("Reserve at least one number.")
    NumberSequence.objects.get_or_create(name=name, defaults={"next_value": start})
    table = NumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_value = next_value + %s WHERE name = %s RETURNING next_value",
            [count, name],
        )
        (after,) = cursor.fetchone()
    return range(after - count, after)


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for ``digits`` (catches single typos and most swaps)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def with_check_digit(number: int, *, width: int = 7) -> str:
    body = str(number).zfill(width)
    return f"{body}{luhn_check_digit(body)}"


def is_valid_check_digit(text: str) -> bool:
    # isascii(): str.isdigit() also accepts superscripts, which int() refuses.
    return (
        text.isascii()
        and text.isdigit()
        and len(text) >= 2
        and luhn_check_digit(text[:-1]) == int(text[-1])
    )
