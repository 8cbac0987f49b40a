"""Coordinator forms on one account: contact details, status, notes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.choices import STATUS_MOVES, AccountStatus
from accounts.forms import (
    CONTACT_FIELDS,
    MAILING_FIELDS,
    CustomerContactForm,
    ForwardingAddressForm,
    NoteForm,
    StatusForm,
)
from accounts.models import Account, Customer
from billing_site.common.formflow import show_errors, submit

from ._helpers import account_or_404, bound

STATUS_ORDER = [AccountStatus.ACTIVE, AccountStatus.FINAL, AccountStatus.CLOSED]


@require_http_methods(["GET", "POST"])
@permission_required("accounts.change_customer", raise_exception=True)
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Contact details and mailing address of the account's customer, with a reason."""
    account = account_or_404(pk)
    customer = account.customer
    form = CustomerContactForm(bound(request), initial=contact_initial(customer))
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.changes().items() if getattr(customer, k) != v}
        if not changes:
            form.add_error(None, "Nothing to save: the details are the same as before.")
        else:
            try:
                services.customer_update(
                    customer=customer,
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                    **changes,
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, f"Details of {customer.display_name} updated.")
                return redirect("accounts:detail", pk=account.pk)
    context = {"account": account, "customer": customer, "form": form}
    return render(request, "accounts/customer_edit.html", context)


def contact_initial(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in CONTACT_FIELDS + MAILING_FIELDS}


@require_http_methods(["GET", "POST"])
@permission_required("accounts.change_account", raise_exception=True)
def status_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Activate, final or close; closing is refused while the account has a balance."""
    account = account_or_404(pk)
    form = StatusForm(bound(request), moves=moves_for(account, request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.account_change_status(
                account=account,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            label = AccountStatus(form.cleaned_data["to"]).label.lower()
            messages.success(request, f"Account {account.number} is now {label}.")
            if form.cleaned_data["to"] == AccountStatus.FINAL and not account.forwarding_line1:
                return redirect("accounts:forwarding", pk=account.pk)
            return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/status.html", {"account": account, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("accounts.change_account", raise_exception=True)
def forwarding_address(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a final account's mail goes (the final bill, a refund cheque)."""
    account = account_or_404(pk)
    initial = {
        "line1": account.forwarding_line1,
        "line2": account.forwarding_line2,
        "city": account.forwarding_city,
        "state": account.forwarding_state,
        "zip_code": account.forwarding_zip,
    }
    form = ForwardingAddressForm(bound(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_set_forwarding_address(
                account=account, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Forwarding address of account {account.number} saved.")
            return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/forwarding.html", {"account": account, "form": form})


def moves_for(account: Account, user: Any) -> list[str]:
    """Status moves allowed from here that this user holds the permission for."""
    allowed = STATUS_MOVES.get(account.status, set())
    can_close = user.has_perm("accounts.close_account")
    return [
        str(move)
        for move in STATUS_ORDER
        if move in allowed and (move != AccountStatus.CLOSED or can_close)
    ]


NOTE = "accounts.note"


@require_http_methods(["GET", "POST"])
@permission_required("accounts.add_accountnote", raise_exception=True)
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a note or a footnote (pinned at the top of the account page)."""
    account = account_or_404(pk)
    form = NoteForm(bound(request))

    def post() -> str:
        services.note_add(
            account=account,
            text=form.cleaned_data["text"],
            kind=form.cleaned_data["kind"],
            acting_user=request.user,
        )
        messages.success(request, "Note added.")
        return reverse("accounts:detail", args=[account.pk])

    # A double click adds the note once (one-time form token).
    sent = submit(request, purpose=NOTE, form=form, action=post)
    if sent.done:
        return sent.done
    context = {"account": account, "form": form, "token": sent.token}
    return render(request, "accounts/note_add.html", context)
