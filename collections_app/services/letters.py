"""Correspondence: a letter from a template to an account's customer (and, for notices,
the owner's courtesy copy), kept on the account; its PDF stored after the commit."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services as account_services
from accounts.models import Account, Premise
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.documents import (
    DocumentRequest,
    document_render_and_store,
    document_render_and_store_many,
)
from billing_site.common.models import Document
from billing_site.common.roles import require_perm

from ..letters import LETTER_KIND, letter_job, render_text
from ..models import Letter, LetterTemplate, NoticeLine

SEND_PERM = "collections.add_letter"


def base_facts(account: Account) -> dict[str, Any]:
    return {
        "customer": account.customer.display_name,
        "account_number": account.number,
        "premise": str(account.premise),
        "balance": account.balance.amount,
    }


def new_letter(
    *, account: Account, template: LetterTemplate, facts: dict[str, Any], acting_user: User,
    owner_copy: bool = False, notice_line: NoticeLine | None = None,
) -> Letter:  # fmt: skip
    """A Letter row (not saved) to the customer, or to the premise's owner."""
    premise: Premise = account.premise
    if owner_copy:
        recipient, address = premise.owner_name, premise.owner_address
    else:
        recipient, address = account.customer.display_name, account.customer.mailing_address
    return Letter(
        account=account, template=template, kind=template.kind, subject=template.subject,
        body=render_text(template, {**base_facts(account), **facts}), recipient=recipient,
        address=address, owner_copy=owner_copy, notice_line=notice_line, sent_by=acting_user,
    )  # fmt: skip


@transaction.atomic
def letter_send(
    *, account: Account, template: LetterTemplate, text: str, acting_user: User
) -> Letter:
    """Send a letter of ``template`` (plan agreement, deposit, refund, referral, general)."""
    require_perm(acting_user, SEND_PERM)
    refuse_card_numbers(text=text)
    if not template.is_active:
        raise ValidationError({"template": "That letter is no longer in use."})
    if "{{ text }}" in template.body and not text.strip():
        raise ValidationError({"text": "Write what the letter says."})
    account = Account.objects.select_related("customer", "premise").get(pk=account.pk)
    letter = new_letter(account=account, template=template, facts={"text": text.strip()},
                        acting_user=acting_user)  # fmt: skip
    letter.save()
    account_services.note_add(
        account=account, text=f"Letter sent: {template.name} ({letter.subject})",
        acting_user=acting_user,
    )  # fmt: skip
    return letter


def letter_document(*, letter: Letter, acting_user: User) -> Document:
    """The letter's stored PDF (rendered and stored the first time). Outside a transaction."""
    return document_render_and_store(
        kind=LETTER_KIND, subject=letter, job=letter_job(letter), acting_user=acting_user
    )


def letter_documents(*, letters: list[Letter], acting_user: User) -> list[Document]:
    """Every letter's stored PDF, the missing ones rendered in parallel (one per core)."""
    requests = [DocumentRequest(subject=lt, job=letter_job(lt)) for lt in letters]
    return document_render_and_store_many(
        kind=LETTER_KIND, requests=requests, acting_user=acting_user
    )
