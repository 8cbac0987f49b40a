"""The counter: the payment screen, account look-up, receipts and voids."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import resolve, reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.choices import AccountStatus
from accounts.selectors import account_by_number, flags_in_force, search_accounts
from billing.scanline import parse_scanline
from billing_site.common import account_alerts
from billing_site.common.cards import CARD_NUMBER_MESSAGE, looks_like_card_number
from billing_site.common.formflow import submit, token_for
from billing_site.common.idempotency import issue_token
from billing_site.common.pdf import pdf_response, render_pdf
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
    """The payment screen. One htmx POST per payment answers with the receipt and a new form.

    Without htmx the POST redirects to the receipt page (POST-redirect-GET). With
    htmx it answers with the pay screen fragment (the receipt panel above a
    fresh form with a new one-time token) and pushes the receipt's URL, so a
    refresh shows that receipt. A replay answers with the first receipt. The
    POST leaves finding and locking the drawer to the service: one read.
    """
    wanted = account_query(request)
    drawer = None if request.method == "POST" else selectors.open_drawer_for(request.user)
    if request.method != "POST" and drawer is None:
        return _to_drawer_open(request, wanted)
    form = PaymentForm(request.POST or None, initial={"account_0": wanted})
    taken: list[Payment] = []  # the payment posted, its receipt loaded (not on a replay)

    def post() -> str:
        payment = services.payment_take(
            drawer=drawer,
            accounts=form.account_parts(),
            tenders=form.tenders(),
            payer=form.cleaned_data["payer"],
            acting_user=request.user,
            savepoint=False,  # run_once's transaction rolls back whole on a refusal
        )
        taken.append(payment)
        return reverse("payments:receipt", args=[payment.pk])

    sent = submit(request, purpose=TAKE, form=form, action=post)
    if sent.done:
        if not _pay_screen_request(request):
            return sent.done
        return _posted(request, sent.done, taken[0] if taken else None)
    drawer = drawer or selectors.open_drawer_for(request.user)
    if drawer is None:
        return _to_drawer_open(request, wanted)
    context = {
        "form": form,
        "drawer": drawer,
        "token": sent.token,
        "lookups": _lookups(form) if form.is_bound else _lookups_for(wanted),
    }
    page = "payments/partials/_pay_screen.html" if _pay_screen_request(request) else TAKE_PAGE
    return render(request, page, context, status=400 if form.errors else 200)


TAKE_PAGE = "payments/take.html"


def _pay_screen_request(request: HttpRequest) -> bool:
    """An htmx request for the pay screen fragment (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == "pay-screen"


def _posted(request: HttpRequest, done: HttpResponse, posted: Payment | None) -> HttpResponse:
    """The pay screen after a payment (or its replay): its receipt above a fresh form.

    ``posted`` is the payment just taken, its receipt loaded by ``payment_take``
    (committed by now: ``submit`` returns after the transaction); a replay reads
    the first submission's receipt.
    """
    url = done["Location"]
    payment = posted or selectors.payment_for_receipt(resolve(url).kwargs["payment_pk"])
    context = {
        "form": PaymentForm(),
        "drawer": payment.drawer,
        "token": issue_token(user_id=request.user.pk, purpose=TAKE),
        "lookups": [],
        "payment": payment,
        "offers": _offers(request, payment, back=url),
    }
    response = render(request, "payments/partials/_pay_screen.html", context)
    response["HX-Push-Url"] = url
    return response


def _to_drawer_open(request: HttpRequest, wanted: str) -> HttpResponse:
    messages.info(request, "Open your drawer with its starting float first.")
    url = reverse("payments:drawer_open")
    url = f"{url}?account={wanted}" if wanted else url
    if getattr(request, "htmx", None):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


def account_query(request: HttpRequest) -> str:
    """The account number a link asked to pay (``?account=``): digits only, else nothing."""
    text = request.GET.get("account", "").strip()
    number = text.isascii() and text.isdigit() and len(text) <= 20
    return text if number and not looks_like_card_number(text) else ""


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
    if looks_like_card_number(text):  # never searched for, never shown back
        return {"card_message": CARD_NUMBER_MESSAGE}
    day = open_business_day()
    account = account_by_number(text)
    if account is None:
        return {"matches": search_accounts(text, limit=6) if len(text) >= 2 else [], "q": text}
    flags = flags_in_force(account, today=day.date) if day else []
    return {
        "account": account,
        "due": max(account.balance.amount, 0),
        "flags": flags,
        "alerts": account_alerts.alerts_for(account),
        "closed": account.status in (AccountStatus.CLOSED, AccountStatus.FINAL),
    }


@permission_required("payments.take_payment", raise_exception=True)
def lookup(request: HttpRequest) -> HttpResponse:
    """The htmx panel beside an account row: the account's balance and alerts, or matches."""
    row = request.GET.get("row", "0")
    text = request.GET.get(f"account_{row}", request.GET.get("q", "")).split("|")[0].strip()
    scanned = parse_scanline(text)  # a bill stub: its account, and the amount it asks for
    context = {
        "row": row,
        **(_lookup_context(scanned.account_number if scanned else text) if text else {}),
    }
    if scanned and "due" in context:
        context["due"] = scanned.amount_due
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
def receipts(request: HttpRequest) -> HttpResponse:
    """Today's receipts (a clerk's own drawers; every drawer for supervisors), searchable."""
    day = open_business_day()
    q = request.GET.get("q", "")[:40]
    found = selectors.receipts_of_day(user=request.user, business_date=day.date, q=q) if day else []
    context = {"day": day, "q": q, "receipts": found}
    return render(request, "payments/receipts.html", context)


@permission_required("payments.view_payment", raise_exception=True)
def receipt(request: HttpRequest, payment_pk: int) -> HttpResponse:
    payment = selectors.payment_for_receipt(payment_pk)
    void_form = VoidForm() if request.user.has_perm("payments.void_payment") else None
    context = {
        "payment": payment,
        "void_form": void_form,
        "request_form": VoidForm(),
        "request_token": token_for(request, VOID_REQUEST),
        "token": token_for(request, VOID),
        "business_date": getattr(open_business_day(), "date", None),
        "offers": _offers(request, payment, back=request.path),
    }
    return render(request, "payments/receipt.html", context)


def _offers(request: HttpRequest, payment: Payment, *, back: str) -> list[account_alerts.Offer]:
    """What a higher app offers after this payment (a pending disconnect to cancel once
    the account owes nothing); nothing for a voided payment."""
    if payment.status != "posted":
        return []
    accounts = [line.account for line in payment.lines.all() if line.account_id]
    return account_alerts.offers_for(accounts, request.user, back=back)


def _print_context(request: HttpRequest, pk: int) -> dict[str, object]:
    """What a print shows. A GET is a preview and changes nothing; only a POST prints.

    The clerk who took the payment prints the original once (the first POST);
    every later print, and any print by someone else, says COPY.
    """
    payment = selectors.payment_for_receipt(pk)
    if request.method != "POST":
        return {"payment": payment, "preview": True}
    if payment.taken_by_id != request.user.pk:  # a supervisor or auditor printing: a copy
        return {"payment": payment, "copy": True, "printing": True}
    original = services.receipt_printed(payment=payment, acting_user=request.user)
    return {"payment": payment, "copy": not original, "printing": True}


@require_http_methods(["GET", "POST"])
@permission_required("payments.view_payment", raise_exception=True)
def receipt_print(request: HttpRequest, payment_pk: int) -> HttpResponse:
    """The browser print view (CSS @media print): GET previews, POST prints (a reprint: COPY)."""
    return render(request, "payments/receipt_print.html", _print_context(request, payment_pk))


@require_http_methods(["GET", "POST"])
@permission_required("payments.view_payment", raise_exception=True)
def receipt_pdf(request: HttpRequest, payment_pk: int) -> HttpResponse:
    """The receipt as PDF. A GET previews (marked PREVIEW; nothing stored or counted);
    a POST prints: the clerk's first print is the stored original, later ones COPY."""
    asked = request.POST.get("size") if request.method == "POST" else request.GET.get("size")
    size = "80mm" if asked == "80mm" else "letter"
    context = _print_context(request, payment_pk)
    payment: Payment = context["payment"]  # type: ignore[assignment]
    if context.get("preview"):
        pdf = render_pdf(
            "payments/pdf/receipt.html",
            {**context, "size": size},
            stylesheet="payments/pdf/receipt.css",
            fit_height=size == "80mm",
        )
    else:
        pdf = receipt_document_pdf(
            payment=payment, size=size, copy=bool(context["copy"]), acting_user=request.user
        )
    return pdf_response(pdf, f"receipt-{payment.receipt_label}-{size}.pdf")


@require_POST
@permission_required("payments.void_payment", raise_exception=True)
def void(request: HttpRequest, payment_pk: int) -> HttpResponse:
    return _receipt_with_reason(
        request,
        payment_pk,
        purpose=VOID,
        service=services.payment_void,
        done="Receipt {label} is void.",
        keys=("void_form", "token"),
    )


VOID_REQUEST = "payments.void_request"


@require_POST
@permission_required("payments.take_payment", raise_exception=True)
def void_request(request: HttpRequest, payment_pk: int) -> HttpResponse:
    """A clerk asks for a void; the receipt joins the supervisors' queue."""
    return _receipt_with_reason(
        request,
        payment_pk,
        purpose=VOID_REQUEST,
        service=services.payment_void_request,
        done="A supervisor is asked to void receipt {label}.",
        keys=("request_form", "request_token"),
    )


def _receipt_with_reason(
    request: HttpRequest,
    payment_pk: int,
    *,
    purpose: str,
    service: Callable[..., object],
    done: str,
    keys: tuple[str, str],
) -> HttpResponse:
    """A receipt's reason form (void, void request): the service, then back to the receipt."""
    payment = get_object_or_404(Payment, pk=payment_pk)
    form = VoidForm(request.POST)

    def post() -> str:
        service(payment=payment, reason=form.cleaned_data["reason"], acting_user=request.user)
        return reverse("payments:receipt", args=[payment.pk])

    success = done.format(label=payment.receipt_label)
    sent = submit(request, purpose=purpose, form=form, action=post, success=success)
    if sent.done:
        return sent.done
    form_key, token_key = keys
    context = {
        "payment": selectors.payment_for_receipt(payment.pk),
        form_key: form,
        token_key: sent.token,
        "business_date": getattr(open_business_day(), "date", None),
    }
    return render(request, "payments/receipt.html", context, status=400)


@require_POST
@permission_required("payments.void_payment", raise_exception=True)
def void_decline(request: HttpRequest, payment_pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment, pk=payment_pk)
    try:
        services.payment_void_decline(payment=payment, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"The void of receipt {payment.receipt_label} is declined.")
    return redirect("payments:void_queue")


@permission_required("payments.void_payment", raise_exception=True)
def void_queue(request: HttpRequest) -> HttpResponse:
    """Voids waiting for a supervisor, oldest first."""
    context = {"waiting": selectors.voids_waiting()}
    return render(request, "payments/void_queue.html", context)
