"""The card-number rule (billing_site.common.cards): what counts, how it is refused."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from billing_site.common.cards import (
    CARD_NUMBER_MESSAGE,
    CardSafeForm,
    card_numbers_in,
    looks_like_card_number,
    masked,
    refuse_card_numbers,
)

VISA = "4111 1111 1111 1111"


@pytest.mark.parametrize(
    ("text", "looks"),
    [
        ("4111111111111111", True),
        ("4111-1111-1111-1111", True),
        ("4111 1111 1111 1111", True),
        ("3782 822463 10005", True),  # Amex, 15 digits
        ("4111111111111112", False),  # fails Luhn
        ("123456789012", False),  # 12 digits
        ("10000001", False),  # an account number
        ("paid with 5555555555554444 today", True),
        ("card: 4111-1111-1111-1111, exp 12/29", True),
        ("\uff14\uff11\uff11\uff11" + "\uff11" * 12, True),  # full-width digits
        ("\u0664\u0661\u0661\u0661 " + "\u0661\u0661\u0661\u0661 " * 3, True),  # Arabic-Indic
        ("6011 0009 9013 9424 123", True),  # a Discover number, then three digits
        ("4111  1111 1111 1111", False),  # a double space splits the run
        ("1001 4111 1111 1111 1111", True),  # typed next to a check number
        ("4111 1111 1111 1111 5.00", True),  # ... or before an amount
        ("41111111111111111234", False),  # one 20-digit group is never split
        ("1042 85.00", False),
        ("", False),
        (None, False),
    ],
)
def test_it_knows_what_looks_like_a_card_number(text: str, looks: bool) -> None:
    assert looks_like_card_number(text) is looks


def test_it_finds_each_number_as_plain_digits_and_masks_it() -> None:
    found = list(card_numbers_in(f"one {VISA}, two 5555-5555-5555-4444"))
    assert found == ["4111111111111111", "5555555555554444"]
    assert masked(found[0]) == "****1111"


def test_it_refuses_named_texts_next_to_their_field() -> None:
    with pytest.raises(ValidationError) as refused:
        refuse_card_numbers(memo="Leak repaired", reason=f"paid by {VISA}")
    assert refused.value.message_dict == {"reason": [CARD_NUMBER_MESSAGE]}
    refuse_card_numbers(memo="Leak repaired", reason="")  # nothing to refuse


class NoteForm(CardSafeForm):
    text = forms.CharField()
    account = forms.CharField()

    def clean_account(self) -> str:
        raise ValidationError(f"No account numbered {self.cleaned_data['account']}.")


def test_it_refuses_blanks_and_never_echoes_a_typed_number() -> None:
    form = NoteForm(QueryDict(f"text=Called+about+the+bill&account={VISA}&token={VISA}"))

    assert not form.is_valid()
    # The field's own message would repeat the number: only the card message is left.
    assert form.errors == {"account": [CARD_NUMBER_MESSAGE]}
    assert form["account"].value() == ""
    assert "4111" not in str(form)
    assert form["text"].value() == "Called about the bill"


def test_it_refuses_a_posted_value_the_form_does_not_declare() -> None:
    form = NoteForm(QueryDict(f"text=hello&account=1&extra={VISA}"))
    form.is_valid()
    assert CARD_NUMBER_MESSAGE in form.non_field_errors()


def test_it_refuses_an_upload_named_like_a_card_number() -> None:
    class UploadForm(CardSafeForm):
        file = forms.FileField()

    upload = SimpleUploadedFile("4111111111111111.pdf", b"%PDF-1.4", "application/pdf")
    form = UploadForm(QueryDict(""), {"file": upload})
    assert not form.is_valid()
    assert form.errors == {"file": [CARD_NUMBER_MESSAGE]}
