"""Refuse card numbers: the app never sees or stores one (DESIGN section 5).

Anything with 13 to 19 digits, optionally separated by spaces or dashes, that
passes the Luhn check is treated as a card number, wherever it is typed.
"""

from __future__ import annotations

import re

from billing_site.common.numbering import luhn_check_digit

# Runs of digits with single spaces or dashes between them.
_DIGIT_RUN = re.compile(r"[0-9](?:[ -]?[0-9])+")
CARD_NUMBER_MESSAGE = (
    "This looks like a card number. Never type card numbers: record only the brand, "
    "the last four digits and the authorisation code from the terminal."
)


def looks_like_card_number(text: str) -> bool:
    for match in _DIGIT_RUN.finditer(text or ""):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_check_digit(digits[:-1]) == int(digits[-1]):
            return True
    return False
