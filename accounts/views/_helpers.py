"""Shared pieces of the account views: the access helper and reading what was typed.

Service errors go next to their fields through ``billing_site.common.formflow.show_errors``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, QueryDict

from accounts.models import Account
from accounts.selectors import account_for_page


def account_or_404(pk: int) -> Account:
    """The account for a page, with its customer, premise and master loaded."""
    try:
        return account_for_page(pk)
    except Account.DoesNotExist:
        raise Http404("No such account.") from None


def typed_query(request: HttpRequest, name: str = "q") -> str:
    """What was typed in a search box; NUL characters cannot reach PostgreSQL."""
    return request.GET.get(name, "").replace("\x00", "")


def bound(request: HttpRequest) -> QueryDict | None:
    """Form data for a POST (even an empty one, so missing fields are reported)."""
    return request.POST if request.method == "POST" else None
