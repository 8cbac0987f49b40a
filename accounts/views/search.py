"""Search as you type: one view serves the full page and the htmx results fragment."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from accounts.selectors import account_by_number, search_accounts
from billing_site.common.cards import CARD_NUMBER_MESSAGE, looks_like_card_number

from ._helpers import typed_query


@require_GET
@permission_required("accounts.view_account", raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    """Results as the clerk types (htmx); Enter or a barcode scan loads the full page.

    A full-page search for exactly an account number (what a USB barcode
    scanner types, then Enter) goes straight to that account.
    """
    query = typed_query(request)
    if looks_like_card_number(query):  # never searched for, never shown back
        context = {"q": "", "results": [], "card_message": CARD_NUMBER_MESSAGE}
        return _search_page(request, context)
    if not request.htmx:  # type: ignore[attr-defined]
        account = account_by_number(query)
        if account is not None:
            return redirect("accounts:detail", pk=account.pk)
    results = search_accounts(query) if query.strip() else None
    return _search_page(request, {"q": query, "results": results})


def _search_page(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    template = "accounts/search.html"
    if request.htmx:  # type: ignore[attr-defined]
        template = "accounts/partials/_search_results.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@permission_required("accounts.add_account", raise_exception=True)
def party_search(request: HttpRequest) -> HttpResponse:
    """Customers and service addresses to pick from on the open-account form."""
    query = typed_query(request, "find")
    if looks_like_card_number(query):
        query = ""
    customers: dict[int, object] = {}
    premises: dict[int, object] = {}
    for account in search_accounts(query, limit=30) if query.strip() else []:
        customers.setdefault(account.customer_id, account.customer)
        premises.setdefault(account.premise_id, account.premise)
    context = {
        "q": query,
        "customers": list(customers.values())[:10],
        "premises": list(premises.values())[:10],
    }
    return render(request, "accounts/partials/_party_results.html", context)
