"""Write-off pages: writing off an account's balance (supervisors), the list with approval
of the ones above the limit, and recording a recovery."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.models import Account
from billing_site.common.approvals import approval_refusal
from billing_site.common.formflow import submit, token_for

from ..forms import RecoveryForm, WriteOffForm
from ..models import WriteOff
from ..services import writeoffs as services


@permission_required(services.REQUEST_PERM, raise_exception=True)
def write_off_new(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("customer"), pk=pk)
    form = WriteOffForm(request.POST or None)

    def act() -> str:
        services.write_off_request(
            account=account, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        return reverse("collections:write_offs")

    sent = submit(
        request,
        purpose="collections.write_off",
        form=form,
        action=act,
        success="Write-off recorded.",
    )
    if sent.done:
        return sent.done
    context = {
        "account": account,
        "form": form,
        "token": sent.token,
        "limit": services.write_off_limit(),
    }
    return render(request, "collections/write_off.html", context)


@permission_required("collections.view_writeoff", raise_exception=True)
def write_off_list(request: HttpRequest) -> HttpResponse:
    rows = list(
        WriteOff.objects.select_related("account__customer", "requested_by", "decided_by")[:200]
    )
    if request.method == "POST":
        row = get_object_or_404(WriteOff, pk=request.POST.get("write_off"))
        form = RecoveryForm(request.POST) if "amount" in request.POST else None

        def act() -> str:
            if form is not None:
                services.write_off_recover(
                    write_off=row,
                    amount=form.cleaned_data["amount"],
                    memo="Recovery",
                    acting_user=request.user,
                )
            else:
                services.write_off_approve(write_off=row, acting_user=request.user)
            return reverse("collections:write_offs")

        sent = submit(
            request, purpose="collections.write_offs", form=form, action=act, success="Done."
        )
        if sent.done:
            return sent.done
    limit = services.WRITE_OFFS.limit_for(request.user)
    pairs = [
        (
            r,
            approval_refusal(flow=services.WRITE_OFFS, subject=r, user=request.user, limit=limit)
            if r.status == "pending"
            else None,
        )
        for r in rows
    ]
    context = {"rows": pairs, "token": token_for(request, "collections.write_offs")}
    return render(request, "collections/write_offs.html", context)
