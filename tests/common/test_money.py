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


@pytest.mark.parametrize(
    "typed",
    [
        "\U0001d7d7\U0001d7d7.\U0001d7ce\U0001d7ce",  # mathematical bold 99.00
        "\uff19\uff19.\uff10\uff10",  # full-width 99.00
        "\u07c9\u07c9.\u07c0\u07c0",  # NKo 99.00
        "\u0669\u0669.\u0660\u0660",  # Arabic-Indic 99.00
        "\u06f9\u06f9",  # extended Arabic-Indic (Persian) 99
        "\u0967\u0966",  # Devanagari 10
        "9\uff19.00",  # one full-width digit among ASCII ones
    ],
)
def test_it_refuses_digits_that_are_not_ascii(typed: str) -> None:
    with pytest.raises(ValueError, match="digits 0 to 9 only"):
        parse_amount(typed)


@pytest.mark.parametrize("typed", ["10000000000.00", "-10000000000", "99999999999999999999"])
def test_it_refuses_amounts_beyond_what_the_ledger_accepts(typed: str) -> None:
    with pytest.raises(ValueError, match=r"more than the ledger accepts \(\$9,999,999,999\.99\)"):
        parse_amount(typed)


def test_it_reads_the_largest_amount_the_ledger_accepts() -> None:
    assert parse_amount("9,999,999,999.99") == Decimal("9999999999.99")
