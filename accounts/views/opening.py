"""Open a new account: existing or new customer, existing or new service address."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.forms import OpenAccountForm
from accounts.models import Account, Customer, Premise
from billing_site.common.formflow import run_once, token_for
from billing_site.common.idempotency import StaleToken
from ledger.selectors import open_business_day

from ._helpers import apply_service_errors

FIELD_MAP = {"master": "master_number"}


OPEN = "accounts.open"


@permission_required("accounts.add_account", raise_exception=True)
def open_account(request: HttpRequest) -> HttpResponse:
    """A double click or a replayed POST opens one account, not two (one-time form token)."""
    error: object = None
    if request.method == "POST":
        form = OpenAccountForm(request.POST)
        if form.is_valid():

            def post() -> str:
                account = open_from_form(form, acting_user=request.user)
                messages.success(request, f"Account {account.number} opened (pending).")
                return reverse("accounts:detail", args=[account.pk])

            try:
                return redirect(run_once(request, purpose=OPEN, action=post))
            except StaleToken as stale:
                error = stale
                form.add_error(None, str(stale))
            except ValidationError as refused:
                apply_service_errors(form, refused, FIELD_MAP)
    else:
        form = OpenAccountForm(initial=initial_from(request))
    context = {"form": form, "token": token_for(request, OPEN, error=error), **chosen(form)}
    return render(request, "accounts/open.html", context)


@transaction.atomic
def open_from_form(form: OpenAccountForm, *, acting_user: Any) -> Account:
    """Create what is new and open the account, all or nothing."""
    data = form.cleaned_data
    customer = data["customer"]
    if data["customer_mode"] != "existing":
        customer = services.customer_create(acting_user=acting_user, **form.customer_fields())
    premise = data["premise"]
    if data["premise_mode"] != "existing":
        premise = services.premise_create(acting_user=acting_user, **form.premise_fields())
    return services.account_open(
        customer=customer,
        premise=premise,
        account_class=data["account_class"],
        start_date=data["start_date"],
        master=data["master_number"],
        is_master=data["is_master"],
        acting_user=acting_user,
    )


def initial_from(request: HttpRequest) -> dict[str, Any]:
    """Links like ``?customer=12&premise=7&master=10000013`` fill the form in."""
    day = open_business_day()
    initial: dict[str, Any] = {"start_date": day.date if day else timezone.localdate()}
    for name in ("customer", "premise"):
        value = request.GET.get(name, "")
        if value.isdecimal() and len(value) < 19:
            initial.update({name: value, f"{name}_mode": "existing"})
    if request.GET.get("master", "").isdecimal():
        initial["master_number"] = request.GET["master"][:12]
    return initial


def chosen(form: OpenAccountForm) -> dict[str, Any]:
    """The customer and address a typed or prefilled number points at, to show by name."""
    return {
        "chosen_customer": _lookup(Customer, form["customer"].value()),
        "chosen_premise": _lookup(Premise, form["premise"].value()),
    }


def _lookup(model: type[Customer] | type[Premise], value: Any) -> Any:
    text = str(value or "").strip()
    if not text.isdecimal() or len(text) > 18:
        return None
    return model.objects.filter(pk=int(text)).first()
