"""Shared pieces of the account views: the access helper and service-error mapping."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, QueryDict

from accounts.models import Account
from accounts.selectors import account_for_page


def account_or_404(pk: int) -> Account:
    """The account for a page, with its customer, premise and master loaded."""
    try:
        return account_for_page(pk)
    except Account.DoesNotExist:
        raise Http404("No such account.") from None


def apply_service_errors(
    form: forms.Form, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Show a service's ValidationError next to the fields it names.

    A service names model fields; ``field_map`` renames them to the form's
    fields. Errors for fields the form does not have go to the top of the form.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    renames = field_map or {}
    for name, errors in error.error_dict.items():
        target: str | None = renames.get(name, name)
        if target not in form.fields:
            target = None
        form.add_error(target, ValidationError(errors))


def typed_query(request: HttpRequest, name: str = "q") -> str:
    """What was typed in a search box; NUL characters cannot reach PostgreSQL."""
    return request.GET.get(name, "").replace("\x00", "")


def bound(request: HttpRequest) -> QueryDict | None:
    """Form data for a POST (even an empty one, so missing fields are reported)."""
    return request.POST if request.method == "POST" else None
