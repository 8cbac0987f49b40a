"""Account-number check digits (Luhn): no database needed."""

from __future__ import annotations

import pytest

from billing_site.common.numbering import is_valid_check_digit, luhn_check_digit, with_check_digit


def test_it_computes_luhn_check_digits():
    assert luhn_check_digit("7992739871") == 3  # the textbook example
    assert with_check_digit(100000) == "01000009"
    assert with_check_digit(42, width=4) == "00422"
    assert is_valid_check_digit("79927398713")
    assert is_valid_check_digit(with_check_digit(123456))


def test_it_catches_single_typos_and_most_swaps():
    number = with_check_digit(1234567)
    for i, digit in enumerate(number):
        for other in "0123456789":
            if other != digit:
                assert not is_valid_check_digit(number[:i] + other + number[i + 1 :])
    for i in range(len(number) - 1):
        a, b = number[i], number[i + 1]
        swapped = number[:i] + b + a + number[i + 2 :]
        if a != b and {a, b} != {"0", "9"}:
            assert not is_valid_check_digit(swapped), swapped


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5",
        "12a45",
        "1234 5678",
        "-12345",
        "\uff11\uff12\uff13\uff14",
        "79927398713\n",
        "7992739871\u00b3",
        "\u0661\u0662\u0663\u0664",
    ],
)
def test_it_refuses_what_is_not_a_number(text):
    assert not is_valid_check_digit(text)
