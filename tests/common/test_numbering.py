"""Gap-free numbers from locked counter rows, under concurrency and rollback."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction

from billing_site.common.models import NumberSequence
from billing_site.common.numbering import next_number, next_numbers
from tests.common.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Abandoned(Exception):
    """The record that took the number was not saved after all."""


def take(name: str, *, keep: bool = True, start: int = 1) -> int:
    with transaction.atomic():
        number = next_number(name, start=start)
        if not keep:
            raise Abandoned(number)
        return number


def test_it_counts_from_the_start_value():
    assert [take("receipt:drawer-1", start=500) for _ in range(3)] == [500, 501, 502]
    assert take("receipt:drawer-2") == 1  # each sequence counts on its own


def test_it_gives_a_rolled_back_number_to_the_next_taker():
    assert take("batch") == 1
    with pytest.raises(Abandoned):
        take("batch", keep=False)

    assert take("batch") == 2
    assert NumberSequence.objects.get(name="batch").next_value == 3


def test_it_needs_the_transaction_that_uses_the_number():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_number("batch")


def test_it_never_skips_or_repeats_a_number_under_concurrency():
    per_thread = 6

    def work(i: int) -> list[int]:
        kept = []
        for n in range(per_thread):
            with contextlib.suppress(Abandoned):
                kept.append(take("receipt:drawer-9", keep=(i + n) % 4 != 0))
        return kept

    results = run_together(8, work)

    assert not [r for r in results if isinstance(r, BaseException)], results
    numbers = sorted(n for kept in results for n in kept)
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == 8 * per_thread - 12  # one in four abandoned
    assert NumberSequence.objects.get(name="receipt:drawer-9").next_value == len(numbers) + 1


def test_it_reserves_a_block_of_numbers_that_follows_single_numbers():
    assert take("bill", start=100) == 100
    with transaction.atomic():
        block = next_numbers("bill", 500)
    assert block == range(101, 601)
    assert take("bill") == 601


def test_it_gives_a_rolled_back_block_back():
    with pytest.raises(Abandoned), transaction.atomic():
        next_numbers("bill", 50, start=1)
        raise Abandoned()

    with transaction.atomic():
        assert next_numbers("bill", 3) == range(1, 4)


def test_it_refuses_a_block_outside_a_transaction_or_of_nothing():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_numbers("bill", 5)
    with pytest.raises(ValueError, match="at least one"), transaction.atomic():
        next_numbers("bill", 0)


def test_it_never_overlaps_blocks_taken_at_once():
    def work(i: int) -> list[int]:
        taken: list[int] = []
        for n in range(4):
            with transaction.atomic():
                taken += list(next_numbers("bill-run", 1 + (i + n) % 5))
        return taken

    results = run_together(6, work)

    assert not [r for r in results if isinstance(r, BaseException)], results
    numbers = sorted(n for kept in results for n in kept)
    assert numbers == list(range(1, len(numbers) + 1))
