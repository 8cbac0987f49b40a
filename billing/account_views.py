"""Billing pages reached from the account page's billing panel: add and end service
agreements, install and remove meters at the account's premise, record a read.
Thin: permission, form, service, redirect back to the account page. Refusals are
shown next to the field (``formflow.show_errors``) with what was typed kept.

No one-time token: none of these moves money, and a second identical submit is
refused by the services (an agreement overlap, a meter already installed, a read
on the same day goes to the exceptions queue rather than billing twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import Account
from billing_site.common.formflow import show_errors

from . import selectors
from .account_forms import (
    AgreementEndForm,
    AgreementForm,
    MeterInstallForm,
    MeterRemoveForm,
    ReadForm,
)
from .models import ReadException, ServiceAgreement
from .services import agreements as agreement_services
from .services import reads as read_services
from .services.meter_removal import meter_remove

KEEP_AGREEMENTS = "billing.add_serviceagreement"
END_AGREEMENTS = "billing.change_serviceagreement"
INSTALL = "billing.add_meterinstall"
REMOVE = "billing.change_meterinstall"
RECORD = "billing.add_meterread"


def _page(
    request: HttpRequest,
    *,
    account: Account,
    form: Any,
    title: str,
    action: Callable[[dict[str, Any]], tuple[int, str]],
    field_map: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; POST validates, calls ``action`` (which names the message
    to show) and goes back to the account, or shows the form again with the refusal."""
    if request.method == "POST" and form.is_valid():
        try:
            level, said = action(form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error, field_map)
        else:
            messages.add_message(request, level, said)
            return redirect(reverse("accounts:detail", args=[account.pk]) + "#billing-panel")
    status = 400 if form.is_bound else 200
    context = {"account": account, "form": form, "title": title, **(extra or {})}
    return render(request, "billing/account_form.html", context, status=status)


@permission_required(KEEP_AGREEMENTS, raise_exception=True)
def agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = AgreementForm(request.POST or None)

    def add(data: dict[str, Any]) -> tuple[int, str]:
        agreement = agreement_services.service_agreement_create(
            account=account, acting_user=request.user,  # type: ignore[arg-type]
            **data,
        )  # fmt: skip
        return (
            messages.SUCCESS,
            f"{agreement.service.name} service starts {agreement.start_date:%Y-%m-%d}.",
        )

    return _page(request, account=account, form=form, title="Add a service", action=add)


@permission_required(END_AGREEMENTS, raise_exception=True)
def agreement_end(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = get_object_or_404(
        ServiceAgreement.objects.select_related("account", "service", "rate_schedule"),
        pk=agreement_pk,
    )
    account = agreement.account
    form = AgreementEndForm(request.POST or None)

    def end(data: dict[str, Any]) -> tuple[int, str]:
        agreement_services.service_agreement_change(
            agreement=agreement, end_date=data["end_date"], reason=data["reason"],
            acting_user=request.user,  # type: ignore[arg-type]
        )  # fmt: skip
        return (
            messages.SUCCESS,
            f"{agreement.service.name} service ends {data['end_date']:%Y-%m-%d}.",
        )

    title = f"End {agreement.service.name} service ({agreement.rate_schedule.code})"
    return _page(request, account=account, form=form, title=title, action=end)


@permission_required(INSTALL, raise_exception=True)
def meter_install(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = MeterInstallForm(request.POST or None)

    def install(data: dict[str, Any]) -> tuple[int, str]:
        agreement_services.meter_install(
            meter=data["meter"], premise_id=account.premise_id, on=data["on"],
            reading=data["reading"], acting_user=request.user,  # type: ignore[arg-type]
        )  # fmt: skip
        return messages.SUCCESS, f"Meter {data['meter'].number} installed {data['on']:%Y-%m-%d}."

    field_map = {"installed_on": "on", "__all__": "meter"}
    return _page(
        request, account=account, form=form, title="Install a meter", action=install,
        field_map=field_map,
    )  # fmt: skip


@permission_required(REMOVE, raise_exception=True)
def meter_remove_page(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    meters = selectors.meters_at_premise(account.premise_id)
    form = MeterRemoveForm(request.POST or None, meters=meters, initial=_chosen(request))

    def remove(data: dict[str, Any]) -> tuple[int, str]:
        meter_remove(acting_user=request.user, **data)  # type: ignore[arg-type]
        return messages.SUCCESS, f"Meter {data['meter'].number} removed {data['on']:%Y-%m-%d}."

    return _page(request, account=account, form=form, title="Remove a meter", action=remove)


def _chosen(request: HttpRequest) -> dict[str, str]:
    """The panel's link names the meter (``?meter=NUMBER``); the form preselects it."""
    return {"meter": request.GET["meter"]} if request.GET.get("meter") else {}


@permission_required(RECORD, raise_exception=True)
def read_record(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    meters = selectors.meters_at_premise(account.premise_id)
    form = ReadForm(request.POST or None, meters=meters, initial=_chosen(request))

    def record(data: dict[str, Any]) -> tuple[int, str]:
        result = read_services.meter_read_record(
            meter=data["meter"], read_date=data["read_date"], reading=data["reading"],
            read_code=data["read_code"], source=f"typed by {request.user.get_username()}",
            acting_user=request.user,  # type: ignore[arg-type]
        )  # fmt: skip
        if isinstance(result, ReadException):
            return messages.WARNING, (
                f"The read of meter {data['meter'].number} did not pass its checks "
                f"({result.message}) and went to the exceptions queue for a coordinator."
            )
        return messages.SUCCESS, f"Read of meter {data['meter'].number} recorded."

    return _page(request, account=account, form=form, title="Record a read", action=record)
