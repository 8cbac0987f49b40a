"""Master accounts: the consolidated view of the sub-accounts, and the consolidation request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import Account
from billing_site.common.formflow import run_once, show_errors, token_for
from billing_site.common.idempotency import StaleToken

from .. import selectors, services
from ..forms import ConsolidationForm


@permission_required("adjustments.request_consolidation", raise_exception=True)
def masters(request: HttpRequest) -> HttpResponse:
    rows = selectors.master_accounts()[:500]
    return render(request, "adjustments/masters.html", {"masters": rows})


@permission_required("adjustments.request_consolidation", raise_exception=True)
def consolidation(request: HttpRequest, master_pk: int) -> HttpResponse:
    master = selectors.master_accounts().filter(pk=master_pk).first()
    if master is None:
        raise Http404("No such master account.")
    purpose = f"adjustments.consolidate.{master.pk}"
    form = ConsolidationForm(request.POST or None)
    error: ValidationError | StaleToken | None = None
    if request.method == "POST" and form.is_valid():

        def act() -> str:
            req = services.request_consolidation(
                master=master, memo=form.cleaned_data["memo"], acting_user=request.user
            )
            return reverse("adjustments:detail", args=[req.pk])

        try:
            url = run_once(request, purpose=purpose, action=act)
        except (ValidationError, StaleToken) as refused:
            error = refused
            show_errors(form, refused)
        else:
            messages.success(request, "The consolidation is waiting for approval.")
            return redirect(url)
    context = {
        "view": selectors.consolidation_view(Account.objects.get(pk=master.pk)),
        "form": form,
        "token": token_for(request, purpose, error=error),
    }
    return render(request, "adjustments/consolidation.html", context)
