"""The counter: the payment screen, account look-up, receipts and voids."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.choices import AccountStatus
from accounts.selectors import account_by_number, flags_in_force, search_accounts
from billing_site.common.formflow import submit, token_for
from billing_site.common.pdf import pdf_response
from ledger.selectors import open_business_day

from .. import selectors, services
from ..documents import receipt_document_pdf
from ..forms import MiscPaymentForm, PaymentForm, VoidForm
from ..models import Payment

TAKE = "payments.take"
MISC = "payments.misc"
VOID = "payments.void"


def index(request: HttpRequest) -> HttpResponse:
    if request.user.has_perm("payments.use_drawer"):
        if selectors.open_drawer_for(request.user):
            return redirect("payments:take")
        return redirect("payments:drawer_open")
    if request.user.has_perm("payments.run_closeout"):
        return redirect("payments:closeout")
    raise PermissionDenied("Your role does not work at the counter.")


@permission_required("payments.take_payment", raise_exception=True)
def take(request: HttpRequest) -> HttpResponse:
    drawer = selectors.open_drawer_for(request.user)
    wanted = account_query(request)
    if drawer is None:
        messages.info(request, "Open your drawer with its starting float first.")
        url = reverse("payments:drawer_open")
        return redirect(f"{url}?account={wanted}" if wanted else url)
    form = PaymentForm(request.POST or None, initial={"account_0": wanted})

    def post() -> str:
        payment = services.payment_take(
            drawer=drawer,
            accounts=form.account_parts(),
            tenders=form.tenders(),
            payer=form.cleaned_data["payer"],
            acting_user=request.user,
        )
        return reverse("payments:receipt", args=[payment.pk])

    sent = submit(request, purpose=TAKE, form=form, action=post)
    if sent.done:
        return sent.done
    context = {
        "form": form,
        "drawer": drawer,
        "token": sent.token,
        "lookups": _lookups(form) if form.is_bound else _lookups_for(wanted),
    }
    return render(request, "payments/take.html", context, status=400 if form.errors else 200)


def account_query(request: HttpRequest) -> str:
    """The account number a link asked to pay (``?account=``): digits only, else nothing."""
    text = request.GET.get("account", "").strip()
    return text if text.isascii() and text.isdigit() and len(text) <= 20 else ""


def _lookups_for(wanted: str) -> list[dict[str, object]]:
    """The first row's panel for an account a link asked to pay (``?account=``)."""
    return [{"row": 0, **_lookup_context(wanted)}] if wanted else []


def _lookups(form: PaymentForm) -> list[dict[str, object]]:
    """Account panels for rows typed before the form came back with an error."""
    panels = []
    for i in range(4):
        text = form.data.get(f"account_{i}", "").split("|")[0].strip()
        if text:
            panels.append({"row": i, **_lookup_context(text)})
    return panels


def _lookup_context(text: str) -> dict[str, object]:
    day = open_business_day()
    account = account_by_number(text)
    if account is None:
        return {"matches": search_accounts(text, limit=6) if len(text) >= 2 else [], "q": text}
    flags = flags_in_force(account, today=day.date) if day else []
    return {
        "account": account,
        "due": max(account.balance.amount, 0),
        "flags": flags,
        "closed": account.status in (AccountStatus.CLOSED, AccountStatus.FINAL),
    }


@permission_required("payments.take_payment", raise_exception=True)
def lookup(request: HttpRequest) -> HttpResponse:
    """The htmx panel beside an account row: the account's balance and alerts, or matches."""
    row = request.GET.get("row", "0")
    text = request.GET.get(f"account_{row}", request.GET.get("q", "")).split("|")[0].strip()
    context = {"row": row, **(_lookup_context(text) if text else {})}
    return render(request, "payments/partials/_lookup.html", context)


@permission_required("payments.take_payment", raise_exception=True)
def misc(request: HttpRequest) -> HttpResponse:
    drawer = selectors.open_drawer_for(request.user)
    if drawer is None:
        messages.info(request, "Open your drawer with its starting float first.")
        return redirect("payments:drawer_open")
    form = MiscPaymentForm(request.POST or None)

    def post() -> str:
        payment = services.payment_take(
            drawer=drawer,
            misc=form.misc_parts(),
            tenders=form.tenders(),
            payer=form.cleaned_data["payer"],
            acting_user=request.user,
        )
        return reverse("payments:receipt", args=[payment.pk])

    sent = submit(request, purpose=MISC, form=form, action=post)
    if sent.done:
        return sent.done
    context = {"form": form, "drawer": drawer, "token": sent.token}
    return render(request, "payments/misc.html", context, status=400 if form.errors else 200)


@permission_required("payments.view_payment", raise_exception=True)
def receipt(request: HttpRequest, payment_pk: int) -> HttpResponse:
    payment = selectors.payment_for_receipt(payment_pk)
    void_form = VoidForm() if request.user.has_perm("payments.void_payment") else None
    context = {
        "payment": payment,
        "void_form": void_form,
        "token": token_for(request, VOID),
        "business_date": getattr(open_business_day(), "date", None),
    }
    return render(request, "payments/receipt.html", context)


def _print_context(request: HttpRequest, pk: int) -> dict[str, object]:
    payment = selectors.payment_for_receipt(pk)
    if payment.taken_by_id != request.user.pk:  # a supervisor or auditor looking: a copy
        return {"payment": payment, "copy": True}
    original = services.receipt_printed(payment=payment, acting_user=request.user)
    return {"payment": payment, "copy": not original}


@permission_required("payments.view_payment", raise_exception=True)
def receipt_print(request: HttpRequest, payment_pk: int) -> HttpResponse:
    """The browser print view (CSS @media print); a second print says COPY."""
    return render(request, "payments/receipt_print.html", _print_context(request, payment_pk))


@permission_required("payments.view_payment", raise_exception=True)
def receipt_pdf(request: HttpRequest, payment_pk: int) -> HttpResponse:
    size = "80mm" if request.GET.get("size") == "80mm" else "letter"
    context = _print_context(request, payment_pk)
    payment: Payment = context["payment"]  # type: ignore[assignment]
    pdf = receipt_document_pdf(
        payment=payment, size=size, copy=bool(context["copy"]), acting_user=request.user
    )
    return pdf_response(pdf, f"receipt-{payment.receipt_label}-{size}.pdf")


@require_POST
@permission_required("payments.void_payment", raise_exception=True)
def void(request: HttpRequest, payment_pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=payment_pk)
    form = VoidForm(request.POST)

    def post() -> str:
        services.payment_void(
            payment=payment, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        return reverse("payments:receipt", args=[payment.pk])

    done = f"Receipt {payment.receipt_label} is void."
    sent = submit(request, purpose=VOID, form=form, action=post, success=done)
    if sent.done:
        return sent.done
    context = {
        "payment": selectors.payment_for_receipt(payment.pk),
        "void_form": form,
        "token": sent.token,
        "business_date": getattr(open_business_day(), "date", None),
    }
    return render(request, "payments/receipt.html", context, status=400)
