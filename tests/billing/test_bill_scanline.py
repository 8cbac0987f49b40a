"""The stub's scanline: fixed width, a valid mod-10 check digit, read back by the parser;
a misread digit is refused; never taken for a card number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from billing.scanline import parse_scanline, scanline
from billing_site.common.cards import looks_like_card_number
from billing_site.common.numbering import luhn_check_digit


def test_it_makes_a_fixed_width_scanline_with_a_check_digit():
    line = scanline(account_number="10000017", amount_due=D("49.70"), due_date=date(2026, 11, 24))
    assert line[:-1] == "0010000017" + "0000004970" + "20261124"
    assert int(line[-1]) == luhn_check_digit(line[:-1])
    assert len(line) == 29


def test_it_reads_a_scanline_back():
    line = scanline(account_number="10000017", amount_due=D("1234.56"), due_date=date(2027, 1, 4))
    scanned = parse_scanline(line)
    assert scanned is not None
    assert (scanned.account_number, scanned.amount_due, scanned.due_date) == (
        "10000017", D("1234.56"), date(2027, 1, 4),
    )  # fmt: skip


def test_it_refuses_a_misread_digit_and_other_text():
    line = scanline(account_number="10000017", amount_due=D("49.70"), due_date=date(2026, 11, 24))
    misread = line[:12] + str((int(line[12]) + 1) % 10) + line[13:]
    assert parse_scanline(misread) is None
    assert parse_scanline("10000017") is None
    assert parse_scanline("") is None


def test_it_prints_a_credit_as_zero_due():
    line = scanline(account_number="10000017", amount_due=D("-5.00"), due_date=date(2026, 11, 24))
    assert parse_scanline(line).amount_due == D("0")


def test_it_is_never_taken_for_a_card_number():
    line = scanline(account_number="10000017", amount_due=D("49.70"), due_date=date(2026, 11, 24))
    assert not looks_like_card_number(line)


def test_it_keeps_an_account_numbers_leading_zero():
    line = scanline(account_number="01000009", amount_due=D("1.00"), due_date=date(2026, 11, 24))
    assert parse_scanline(line).account_number == "01000009"
