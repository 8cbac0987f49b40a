"""The one form flow of every money-moving view: token, service call, errors, redirect.

A view builds its form and hands the service call to :func:`submit`::

    form = VoidForm(request.POST or None)
    sent = submit(request, purpose=VOID, form=form, action=lambda: void(...),
                  success="Receipt 12-0004 is void.")
    if sent.done:
        return sent.done
    return render(request, "payments/receipt.html", {"form": form, "token": sent.token})

On a valid POST the action runs once per one-time token (:func:`run_once`); a
replay (double click, refresh, retry) posts nothing and is sent where the first
submission went. The token is bound to what was sent (:func:`sent_digest`: the
purpose, the object named by the URL and the posted fields), so the same token
sent with other details is refused, not taken for a replay. A refusal comes
back as a ``ValidationError``: the service's own, or the ledger's
``PostingRefused``, which *is* a ``ValidationError`` (this is where the layers
meet, so no view or service translates it by hand). The error is shown next to
the field it names (``field_map`` renames a service's field to the form's), else
at the top of the form, and the form keeps what was typed. The token to render
is the one just posted, so the corrected form still posts once, unless the
token itself was stale (or was refused as reused).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from billing_site.common.idempotency import (
    StaleToken,
    claim,
    form_digest,
    issue_token,
    record_result,
)

Refusal = ValidationError | StaleToken


@dataclass(frozen=True)
class Submitted:
    """What :func:`submit` did: where to go (``done``) or what to render again."""

    done: HttpResponse | None  # the redirect after a posting (or its replay)
    token: str  # the token for the form when it is rendered again
    error: Refusal | None  # the refusal shown on the form, if any


def submit(
    request: HttpRequest,
    *,
    purpose: str,
    action: Callable[[], str],
    form: forms.Form | None = None,
    valid: bool | None = None,
    field_map: Mapping[str, str] | None = None,
    success: str = "",
) -> Submitted:
    """Run ``action`` (which returns the URL to go to) for a valid POST, once per token.

    ``valid`` defaults to ``form.is_valid()`` (or True without a form); pass it
    when more than one form must validate. ``success`` is the message shown
    after the redirect, also on a replay.
    """
    error: Refusal | None = None
    if valid is None:
        valid = form.is_valid() if form is not None else True
    if request.method == "POST" and valid:
        try:
            url = run_once(request, purpose=purpose, action=action)
        except (ValidationError, StaleToken) as refused:
            error = refused
            if form is not None:
                show_errors(form, refused, field_map)
        else:
            if success:
                messages.success(request, success)
            return Submitted(done=redirect(url), token="", error=None)
    return Submitted(done=None, token=token_for(request, purpose, error=error), error=error)


def token_for(request: HttpRequest, purpose: str, *, error: object = None) -> str:
    """The token to put in the form: the one just posted (after an error) or a new one.

    Keeping the posted token means a double click on the corrected form still
    posts once; a stale or forged token is replaced.
    """
    posted = request.POST.get("token", "") if request.method == "POST" else ""
    if posted and not isinstance(error, StaleToken):
        return posted
    return issue_token(user_id=request.user.pk, purpose=purpose)


def run_once(request: HttpRequest, *, purpose: str, action: Callable[[], str]) -> str:
    """Run ``action`` once per form token and return where to go next.

    The token is claimed in the same transaction as the action: if the action is
    refused, the claim rolls back with it and the corrected form can be sent
    again; a replay of a form that went through posts nothing and gets the first
    result back.
    """
    token = request.POST.get("token", "")
    digest = sent_digest(request, purpose)
    with transaction.atomic():
        claimed = claim(token=token, user=request.user, purpose=purpose, digest=digest)
        if claimed.replay_url is not None:
            return claimed.replay_url
        url = action()
        record_result(key=claimed.key, url=url)
    return url


# Posted names that are bookkeeping, not the form's content.
UNBOUND_FIELDS = frozenset({"token", "csrfmiddlewaretoken"})


def sent_digest(request: HttpRequest, purpose: str) -> str:
    """The digest of this submission (``idempotency.form_digest``).

    The object is what the URL names: its view (approve and reject share one
    token, but are not the same submission) and its arguments, e.g. the
    receipt's ``payment_pk``. Uploads count by name and size.
    """
    match = request.resolver_match
    fields = [(k, request.POST.getlist(k)) for k in request.POST if k not in UNBOUND_FIELDS]
    fields += [
        (f"file:{k}", [f"{f.name}:{f.size}" for f in request.FILES.getlist(k)])
        for k in request.FILES
    ]
    bound_to = {"view": match.view_name, **match.kwargs} if match is not None else {}
    return form_digest(purpose=purpose, bound_to=bound_to, fields=fields)


def show_errors(
    form: forms.Form, error: Refusal, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a service's error next to the field it names, or at the top of the form.

    A service names its own fields (often model fields); ``field_map`` renames
    them to the form's. Errors for fields the form does not have go to the top.
    """
    if isinstance(error, StaleToken):
        form.add_error(None, str(error))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    renames = field_map or {}
    for name, errors in error.error_dict.items():
        target: str | None = renames.get(name, name)
        if target not in form.fields:
            target = None
        form.add_error(target, ValidationError(errors))
