"""Open a new account: existing or new customer, existing or new service address."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts import services
from accounts.forms import OpenAccountForm
from accounts.models import Account, Customer, Premise
from billing_site.common.counter_day import counter_date
from billing_site.common.formflow import submit

FIELD_MAP = {"master": "master_number"}


OPEN = "accounts.open"


@permission_required("accounts.add_account", raise_exception=True)
def open_account(request: HttpRequest) -> HttpResponse:
    """A double click or a replayed POST opens one account, not two (one-time form token)."""
    if request.method == "POST":
        form = OpenAccountForm(request.POST)
    else:
        form = OpenAccountForm(initial=initial_from(request))

    def post() -> str:
        account = open_from_form(form, acting_user=request.user)
        messages.success(request, f"Account {account.number} opened (pending).")
        return reverse("accounts:detail", args=[account.pk])

    sent = submit(request, purpose=OPEN, form=form, action=post, field_map=FIELD_MAP)
    if sent.done:
        return sent.done
    context = {"form": form, "token": sent.token, **chosen(form)}
    return render(request, "accounts/open.html", context)


@transaction.atomic
def open_from_form(form: OpenAccountForm, *, acting_user: User) -> Account:
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
    initial: dict[str, Any] = {"start_date": counter_date()}
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
