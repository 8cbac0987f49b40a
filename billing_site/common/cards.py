"""Card numbers nowhere (DESIGN section 5): the app never sees, stores or echoes one.

A *card number* is a run of 13 to 19 digits, optionally with single spaces or
dashes between them, that passes the Luhn check, wherever it appears in a text
("paid with 4111-1111-1111-1111 today" holds one, and so does a line of checks
"1001 4111 1111 1111 1111"). Digits of other scripts and
full-width digits count as the digits they stand for, so full-width 4111... is one too.

One rule, used in three places:

* forms: :class:`CardSafeForm` (and :class:`CardSafeModelForm`) refuse every posted
  value and upload name that holds one, next to its field, and blank that field so
  the page never shows the number back;
* services and imports: :func:`refuse_card_numbers` (named texts) and
  :func:`refuse_card_numbers_in` (every free-text field of a model instance) raise
  a ``ValidationError`` naming the field, so a path without a form is covered too;
* stored data: ``manage.py scan_card_numbers`` reports what older data holds, masked
  (:func:`masked`) to the last four digits.

Luhn is the one in ``numbering`` (python-stdnum is not a dependency of the project).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.formsets import (
    INITIAL_FORM_COUNT,
    MAX_NUM_FORM_COUNT,
    MIN_NUM_FORM_COUNT,
    TOTAL_FORM_COUNT,
)

from billing_site.common.numbering import luhn_check_digit

# Runs of digits (any script) with single spaces or dashes between them.
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d)+")
_SEPARATORS = re.compile(r"[ -]")
CARD_NUMBER_MESSAGE = (
    "This looks like a payment card number; card numbers are never stored. Remove it."
)
# Posted names that are not typed by a person: the form's own bookkeeping.
NOT_TYPED = frozenset({"csrfmiddlewaretoken", "token"})


def card_numbers_in(text: str | None) -> Iterator[str]:
    """The card numbers found in ``text``, as plain ASCII digits.

    In a run of digit groups ("1001 4111 1111 1111 1111 5.00") every stretch of
    whole groups is tried, longest first, so a number typed next to another one
    is still found; a group is never split (a 24-digit bank reference is not a
    card number).
    """
    for match in _DIGIT_RUN.finditer(text or ""):
        run = match.group()
        if len(run) < 13:  # fewer characters than a card number has digits (most runs)
            continue
        groups = _SEPARATORS.split(run)
        if not run.isascii():
            groups = [_ascii(g) for g in groups]
        start = 0
        while start < len(groups):
            found = _longest_card(groups, start)
            if found is None:
                start += 1
                continue
            end, digits = found
            yield digits
            start = end


def _longest_card(groups: list[str], start: int) -> tuple[int, str] | None:
    """The longest card number made of ``groups[start:end]``, with ``end``."""
    best = None
    digits = ""
    for end in range(start + 1, len(groups) + 1):
        digits += groups[end - 1]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and luhn_check_digit(digits[:-1]) == int(digits[-1]):
            best = (end, digits)
    return best


def _ascii(digits: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) for ch in digits)


def looks_like_card_number(text: str | None) -> bool:
    return next(card_numbers_in(text), None) is not None


def masked(digits: str) -> str:
    """A card number as it may be shown or logged: the last four digits only."""
    return f"****{digits[-4:]}"


def refuse_card_numbers(**texts: str | None) -> None:
    """Refuse texts that hold a card number; the error names each such text's field."""
    refused = {
        name: CARD_NUMBER_MESSAGE for name, text in texts.items() if looks_like_card_number(text)
    }
    if refused:
        raise ValidationError(refused)


def free_text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The model's CharField and TextField columns that are not a choice."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.choices
    ]


def refuse_card_numbers_in(instance: models.Model, **also: str | None) -> None:
    """Refuse ``instance`` when one of its free-text fields (or ``also``) holds a card number."""
    texts: dict[str, str | None] = {
        f.name: getattr(instance, f.attname) for f in free_text_fields(type(instance))
    }
    refuse_card_numbers(**texts, **also)


class CardSafeMixin:
    """Refuse any posted value or upload name that holds a card number.

    Every value the browser sent is checked, not only the declared fields, so a
    field added later (or a hand-made POST) is covered. The refused field comes
    back empty and any other message about it is dropped: messages such as
    "No account numbered ..." would show the number again.
    """

    data: Any
    files: Any
    fields: dict[str, forms.Field]
    prefix: str | None
    _errors: Any

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        by_key = {self.add_prefix(name): name for name in self.fields}  # type: ignore[attr-defined]
        refused = [key for key in self.data if key not in NOT_TYPED and self._holds_card(key)]
        if refused:
            self.data = self._blanked(refused)
        uploads = [k for k, f in (self.files or {}).items() if looks_like_card_number(f.name)]
        targets = dict.fromkeys(by_key.get(key) for key in [*refused, *uploads])
        for name in targets:
            if name is None and self.prefix:
                continue  # another form's field in the same POST (a formset): its own form says
            if name is not None and name in self._errors:
                del self._errors[name]
            self.add_error(name, CARD_NUMBER_MESSAGE)  # type: ignore[attr-defined]
        return cleaned

    def _blanked(self, keys: list[str]) -> Any:
        data = self.data.copy()
        for key in keys:
            if hasattr(data, "setlist"):
                data.setlist(key, [""])
            else:
                data[key] = ""
        return data

    def _holds_card(self, key: str) -> bool:
        values = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
        return any(isinstance(v, str) and looks_like_card_number(v) for v in values)


class CardSafeFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """A formset whose management form never shows a card number back.

    Its forms are card-safe forms and refuse the number themselves; the hidden
    counts (``lines-TOTAL_FORMS`` ...) are Django's own form, so a number posted
    there is blanked (the formset then reports its data as tampered with).
    """

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        if not self.is_bound:
            return
        names = [TOTAL_FORM_COUNT, INITIAL_FORM_COUNT, MIN_NUM_FORM_COUNT, MAX_NUM_FORM_COUNT]
        keys = [f"{self.prefix}-{name}" for name in names]
        refused = [k for k in keys if k in self.data and looks_like_card_number(self.data[k])]
        if refused:
            blanked: Any = self.data.copy()  # type: ignore[attr-defined]
            for key in refused:
                blanked[key] = ""
            self.data = blanked


class CardSafeForm(CardSafeMixin, forms.Form):
    """The base of every form people type into (``tests/site/test_card_numbers.py`` checks)."""


class CardSafeModelForm(CardSafeMixin, forms.ModelForm):  # type: ignore[type-arg]
    """The same for model forms (the admin's)."""
