"""Deposit pages: an account's deposit (what it must hold and why, recording a credit
result, taking the deposit, giving it back) and the refund review of deposits due back."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.models import Account
from billing_site.common.formflow import submit, token_for
from ledger.selectors import current_business_date, deposit_held, open_business_day
from payments.selectors import open_drawer_for

from ..forms import (
    CreditResultForm,
    DepositBillForm,
    DepositCounterForm,
    DepositReturnForm,
    DepositTakeForm,
)
from ..models import CreditResult, SecurityDeposit
from ..services import deposit_rule
from ..services import deposits as services

VIEW = "collections.view_securitydeposit"
FORMS = {
    "credit": CreditResultForm,
    "counter": DepositCounterForm,
    "take": DepositTakeForm,
    "bill": DepositBillForm,
    "return": DepositReturnForm,
}
# payment_take's refusals name the counter form's fields; here they land on these.
COUNTER_FIELDS = {
    "cash_amount": "cash_given",
    "check_amount": "amount",
    "mo_amount": "amount",
    "check_number": "reference",
    "mo_serial": "reference",
}


@permission_required(VIEW, raise_exception=True)
def account_deposit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("customer", "premise"), pk=pk)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    # Each form's own ids (id_bill_amount, id_take_amount, ...): the page shows several
    # forms with an amount, and a label must find its own field.
    forms = {
        k: (f(request.POST, auto_id=f"id_{k}_%s") if k == which else f(auto_id=f"id_{k}_%s"))
        for k, f in FORMS.items()
    }
    url = reverse("collections:deposit", args=[account.pk])

    def act() -> str:
        data = forms[which].cleaned_data
        if which == "counter":
            payment = services.deposit_take_at_counter(
                account=account, acting_user=request.user, **data
            )
            return reverse("payments:receipt", args=[payment.pk])
        if which == "credit":
            services.credit_result_record(account=account, acting_user=request.user, **data)
        elif which == "take":
            services.deposit_collect(
                account=account, amount=data["amount"], acting_user=request.user
            )
        elif which == "bill":
            deposit_rule.deposit_put_on_bill(
                account=account, amount=data["amount"], acting_user=request.user
            )
        else:
            services.deposit_return(account=account, how=data["how"], acting_user=request.user)
        return url

    purpose = f"collections.deposit_{which or 'page'}"
    valid = forms[which].is_valid() if which in forms else False
    sent = submit(
        request, purpose=purpose, form=forms.get(which), action=act, valid=valid, success="Saved.",
        field_map=COUNTER_FIELDS if which == "counter" else None,
    )  # fmt: skip
    if sent.done:
        return sent.done
    day = open_business_day()
    tokens = {k: token_for(request, f"collections.deposit_{k}") for k in FORMS}
    if which in FORMS:
        tokens[which] = sent.token
    context = {
        "account": account,
        "forms": forms,
        "tokens": tokens,
        "need": services.deposit_requirement(account, today=day.date) if day else None,
        "held": deposit_held(account.pk),
        "due": deposit_rule.deposit_due(account.pk),
        "drawer": open_drawer_for(request.user),
        "results": CreditResult.objects.filter(account=account).select_related("recorded_by")[:10],
        "taken": SecurityDeposit.objects.filter(account=account).select_related("taken_by"),
    }
    return render(request, "collections/deposit.html", context, status=400 if sent.error else 200)


@permission_required(VIEW, raise_exception=True)
def deposit_review(request: HttpRequest) -> HttpResponse:
    rows = services.refund_review(today=current_business_date())
    context = {
        "rows": rows,
        "return_form": DepositReturnForm(),
        "token": token_for(request, "collections.deposit_return"),
    }
    return render(request, "collections/deposit_review.html", context)
