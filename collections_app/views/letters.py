"""Correspondence pages: an account's letters (and sending one from a template), a
letter's PDF, and the property owner of an account's premise (for courtesy copies)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Account
from billing_site.common.documents import document_bytes, stored_document
from billing_site.common.formflow import show_errors, submit
from billing_site.common.pdf import pdf_response, render_job

from .. import selectors
from ..forms import LetterForm, OwnerForm
from ..letters import LETTER_KIND, letter_job
from ..models import Letter
from ..services import letters as services

SEND = "collections.letter_send"


@permission_required("collections.view_letter", raise_exception=True)
def account_letters(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("customer", "premise"), pk=pk)
    form = LetterForm(request.POST or None)
    if request.method == "POST" and not request.user.has_perm(services.SEND_PERM):
        return HttpResponse(status=403)
    sent_letter: list[Letter] = []

    def send() -> str:
        letter = services.letter_send(
            account=account, template=form.cleaned_data["template"],
            text=form.cleaned_data["text"], acting_user=request.user,
        )  # fmt: skip
        sent_letter.append(letter)
        return reverse("collections:account_letters", args=[account.pk])

    sent = submit(request, purpose=SEND, form=form, action=send, success="Letter sent.")
    if sent.done:
        for letter in sent_letter:  # committed: store its PDF now, once
            services.letter_document(letter=letter, acting_user=request.user)
        return sent.done
    context = {"account": account, "form": form, "token": sent.token,
               "letters": selectors.letters_of(account.pk)}  # fmt: skip
    return render(request, "collections/letters.html", context)


@permission_required("collections.view_letter", raise_exception=True)
def letter_pdf(request: HttpRequest, letter_pk: int) -> HttpResponse:
    """The stored letter; one not printed yet is shown as it will print (nothing stored)."""
    letter = get_object_or_404(Letter, pk=letter_pk)
    document = stored_document(kind=LETTER_KIND, subject=letter)
    data = document_bytes(document) if document else render_job(letter_job(letter))
    return pdf_response(data, f"letter-{letter.pk}.pdf")


@permission_required("accounts.change_premise", raise_exception=True)
def owner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("premise", "customer"), pk=pk)
    premise = account.premise
    initial = {name: getattr(premise, name) for name in account_services.OWNER_FIELDS}
    form = OwnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.premise_owner_set(
                premise=premise, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as refused:
            show_errors(form, refused)
        else:
            return redirect("accounts:detail", pk=account.pk)
    return render(request, "collections/owner.html", {"account": account, "form": form})
