"""Master accounts: make or unmake a master, attach and detach sub-accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.forms import MasterSubForm
from accounts.models import Account
from accounts.selectors import sub_accounts
from billing_site.common.formflow import show_errors

from ._helpers import account_or_404

PERM = "accounts.manage_master_account"


def _page(request: HttpRequest, account: Account, form: MasterSubForm) -> HttpResponse:
    context = {
        "account": account,
        "subs": list(sub_accounts(account)),
        "form": form,
        # The confirmation shows once the service has asked for it.
        "ask_other_customer": form.has_error("sub_number", "confirm_other_customer"),
    }
    return render(request, "accounts/master.html", context)


@require_GET
@permission_required(PERM, raise_exception=True)
def master(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, account_or_404(pk), MasterSubForm())


@require_POST
@permission_required(PERM, raise_exception=True)
def master_set(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_or_404(pk)
    choice = request.POST.get("is_master")
    if choice not in ("0", "1"):
        messages.error(request, "Choose whether the account is a master account; nothing changed.")
        return redirect("accounts:master", pk=account.pk)
    make = choice == "1"
    try:
        services.account_set_master(account=account, is_master=make, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = "is now a master account" if make else "is no longer a master account"
        messages.success(request, f"Account {account.number} {done}.")
    return redirect("accounts:master", pk=account.pk)


@require_POST
@permission_required(PERM, raise_exception=True)
def sub_attach(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_or_404(pk)
    form = MasterSubForm(request.POST)
    if form.is_valid():
        sub = form.cleaned_data["sub_number"]
        try:
            services.account_attach_sub(
                master=account,
                sub=sub,
                acting_user=request.user,
                other_customer_confirmed=form.cleaned_data["other_customer"],
            )
        except ValidationError as error:
            show_errors(form, error, {"sub": "sub_number"})
        else:
            messages.success(request, f"Account {sub.number} attached as a sub-account.")
            return redirect("accounts:master", pk=account.pk)
    return _page(request, account, form)


@require_POST
@permission_required(PERM, raise_exception=True)
def sub_detach(request: HttpRequest, pk: int, sub_pk: int) -> HttpResponse:
    account = account_or_404(pk)
    sub = get_object_or_404(Account, pk=sub_pk)
    try:
        services.account_attach_sub(master=account, sub=sub, detach=True, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Account {sub.number} detached.")
    return redirect("accounts:master", pk=account.pk)
