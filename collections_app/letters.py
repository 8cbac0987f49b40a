"""Letters: the wording from an admin-kept template, rendered with the letter's facts, and
its PDF (``templates/collections/pdf/letter.html``), stored as a document the first time it
is produced so every reprint is the same bytes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from billing_site.common.pdf import PdfJob

from .models import Letter, LetterTemplate

LETTER_KIND = "collections.letter"
STYLESHEET = "collections/pdf/letter.css"
LETTERS_TEMPLATE = "collections/pdf/letters.html"


def render_text(template: LetterTemplate, facts: dict[str, Any]) -> str:
    """The template's body with the facts filled in (autoescaped; plain text kept)."""
    return Template(template.body).render(Context(facts, autoescape=False))


def page_of(letter: Letter) -> dict[str, Any]:
    return {
        "letter": letter,
        "paragraphs": [p.strip() for p in letter.body.split("\n\n") if p.strip()],
        "address_lines": letter.address.split("\n"),
        "city_name": settings.BILLING_CITY_NAME,
        "city_contact": settings.BILLING_CITY_CONTACT,
        "dated": timezone.localtime(letter.sent_at).date(),
    }


def letters_context(*, letter_pks: list[int]) -> dict[str, Any]:
    """The PDF context of letters, in the order given (one letter: a one-page batch)."""
    found = Letter.objects.select_related("account").in_bulk(letter_pks)
    return {"pages": [page_of(found[pk]) for pk in letter_pks]}


def letter_context(*, letter_pk: int) -> dict[str, Any]:
    """One letter's PDF context (what a render worker builds for itself)."""
    return letters_context(letter_pks=[letter_pk])


def letter_job(letter: Letter) -> PdfJob:
    return PdfJob(
        LETTERS_TEMPLATE,
        {"letter_pk": letter.pk},
        stylesheet=STYLESHEET,
        context_builder="collections_app.letters.letter_context",
    )
