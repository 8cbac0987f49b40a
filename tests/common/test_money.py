"""Typed amounts: plain dollars and cents only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing_site.common.money import parse_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("125.50", "125.50"), ("$1,250.00", "1250.00"), (" 7 ", "7"), (".5", "0.5"), ("5.", "5")],
)
def test_it_reads_amounts_as_people_type_them(typed: str, amount: str) -> None:
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["12e5", "1E3", "1_000", "NaN", "Infinity", "1.2.3", "", "$"])
def test_it_refuses_what_is_not_plain_dollars_and_cents(typed: str) -> None:
    with pytest.raises(ValueError, match=r"like 125\.50"):
        parse_amount(typed)


@pytest.mark.parametrize("typed", ["12,34.5", "1,2", "1234,567", ",5", "1,,000", "1,000,00"])
def test_it_refuses_commas_that_are_not_thousands_separators(typed: str) -> None:
    with pytest.raises(ValueError, match="between thousands"):
        parse_amount(typed)


def test_it_reads_thousands_separators() -> None:
    assert parse_amount("1,234,567.89") == Decimal("1234567.89")
    assert parse_amount("-1,000") == Decimal("-1000")
