"""Shared pieces of the payment views: one-time form tokens and service refusals."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from billing_site.common.idempotency import StaleToken, claim, issue_token, record_result


def token_for(request: HttpRequest, purpose: str, *, error: object = None) -> str:
    """The posted token after an error (a double click on the fixed form posts once), else new."""
    posted = request.POST.get("token", "") if request.method == "POST" else ""
    if posted and not isinstance(error, StaleToken):
        return posted
    return issue_token(user_id=request.user.pk, purpose=purpose)


def run_once(request: HttpRequest, *, purpose: str, action: Callable[[], str]) -> str:
    """Run ``action`` once per token, in the token's transaction; a replay gets the first URL."""
    with transaction.atomic():
        claimed = claim(token=request.POST.get("token", ""), user=request.user, purpose=purpose)
        if claimed.replay_url is not None:
            return claimed.replay_url
        url = action()
        record_result(key=claimed.key, url=url)
    return url


def show_errors(form: forms.Form, error: ValidationError | StaleToken) -> None:
    """Put a service's refusal next to the field it names, or at the top of the form."""
    if isinstance(error, StaleToken) or not hasattr(error, "error_dict"):
        form.add_error(None, getattr(error, "messages", None) or str(error))
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, ValidationError(errors))
