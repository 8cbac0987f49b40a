"""Master accounts: the consolidated view of the sub-accounts, and the consolidation request."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.models import Account
from billing_site.common.formflow import submit

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

    def act() -> str:
        req = services.request_consolidation(
            master=master, memo=form.cleaned_data["memo"], acting_user=request.user
        )
        return reverse("adjustments:detail", args=[req.pk])

    done = "The consolidation is waiting for approval."
    sent = submit(request, purpose=purpose, form=form, action=act, success=done)
    if sent.done:
        return sent.done
    context = {
        "view": selectors.consolidation_view(Account.objects.get(pk=master.pk)),
        "form": form,
        "token": sent.token,
    }
    return render(request, "adjustments/consolidation.html", context)
