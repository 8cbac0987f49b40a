"""Form flow shared by every money-moving view: one-time form tokens and service refusals."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from billing_site.common.idempotency import StaleToken, claim, issue_token, record_result


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
    with transaction.atomic():
        claimed = claim(token=token, user=request.user, purpose=purpose)
        if claimed.replay_url is not None:
            return claimed.replay_url
        url = action()
        record_result(key=claimed.key, url=url)
    return url


def show_errors(form: forms.Form, error: ValidationError | StaleToken) -> None:
    """Put a service's error next to the field it names, or at the top of the form."""
    if isinstance(error, StaleToken):
        form.add_error(None, str(error))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        target = name if name in form.fields else None
        form.add_error(target, ValidationError(errors))
