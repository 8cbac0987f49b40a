"""Set and clear account flags (cash only, do not disconnect ...)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import FlagClearForm, FlagSetForm
from accounts.models import AccountFlag
from billing_site.common.formflow import show_errors

from ._helpers import account_or_404, bound


@require_http_methods(["GET", "POST"])
@permission_required("accounts.manage_account_flags", raise_exception=True)
def flag_set(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_or_404(pk)
    form = FlagSetForm(bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            flag = services.flag_set(
                account=account,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                expires_on=form.cleaned_data["expires_on"],
                acting_user=request.user,
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Flag set: {flag.get_kind_display()}.")
            return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/flag_set.html", {"account": account, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("accounts.manage_account_flags", raise_exception=True)
def flag_clear(request: HttpRequest, pk: int, flag_pk: int) -> HttpResponse:
    account = account_or_404(pk)
    flag = AccountFlag.objects.filter(account=account, pk=flag_pk).first()
    if flag is None:
        raise Http404("No such flag on this account.")
    form = FlagClearForm(bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_clear(
                flag=flag, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Flag cleared: {flag.get_kind_display()}.")
            return redirect("accounts:detail", pk=account.pk)
    context = {"account": account, "flag": flag, "form": form}
    return render(request, "accounts/flag_clear.html", context)
