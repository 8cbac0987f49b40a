"""Opening, viewing and closing a cash drawer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing_site.common.formflow import submit, token_for

from .. import selectors, services
from ..choices import DENOMINATIONS
from ..forms import CountForm, DrawerCloseForm, ReopenForm
from ..models import Drawer
from .counter import account_query

OPEN = "payments.drawer_open"
CLOSE = "payments.drawer_close"
REOPEN = "payments.drawer_reopen"


@permission_required("payments.use_drawer", raise_exception=True)
def drawer_open(request: HttpRequest) -> HttpResponse:
    current = selectors.open_drawer_for(request.user)
    if current is not None:
        return redirect(_take_url(request))
    form = CountForm(request.POST or None)
    sent = submit(request, purpose=OPEN, form=form, action=lambda: _open(request, form))
    if sent.done:
        return sent.done
    context = {"form": form, "token": sent.token}
    return render(request, "payments/drawer_open.html", context)


def _open(request: HttpRequest, form: CountForm) -> str:
    drawer = services.drawer_open(counts=form.counts(), acting_user=request.user)
    messages.success(
        request, f"Drawer {drawer.pk} is open with a float of ${drawer.float_amount.amount}."
    )
    return _take_url(request)


def _take_url(request: HttpRequest) -> str:
    """The payment screen, still for the account the clerk came to pay (``?account=``)."""
    wanted = account_query(request)
    url = reverse("payments:take")
    return f"{url}?account={wanted}" if wanted else url


@permission_required("payments.use_drawer", raise_exception=True)
def drawer_close(request: HttpRequest) -> HttpResponse:
    """Count, review the count against what is expected, then confirm: two POSTs.

    The first POST (Enter or "Review the count") only shows counted against
    expected and posts nothing; only the confirm button (``confirmed=1``) closes
    the drawer and posts any over/short. "Change the count" goes back to the form.
    """
    drawer = selectors.open_drawer_for(request.user)
    if drawer is None:
        messages.info(request, "You have no open drawer.")
        return redirect("payments:drawer_open")
    form = DrawerCloseForm(request.POST or None)
    confirmed = request.POST.get("confirmed") == "1"

    def close() -> str:
        closed = services.drawer_close(
            drawer=drawer,
            counts=form.counts(),
            checks=form.cleaned_data["checks"],
            acting_user=request.user,
        )
        return reverse("payments:drawer", args=[closed.pk])

    valid = form.is_valid() if form.is_bound else False
    sent = submit(request, purpose=CLOSE, form=form, action=close, valid=valid and confirmed)
    if sent.done:
        return sent.done
    reviewing = valid and not confirmed and "edit" not in request.POST
    context = {
        "form": form,
        "drawer": drawer,
        "token": sent.token,
        "review": selectors.count_review(drawer, form.counts(), form.cleaned_data["checks"])
        if reviewing
        else None,
    }
    return render(request, "payments/drawer_close.html", context, status=400 if sent.error else 200)


@require_POST
@permission_required("payments.run_closeout", raise_exception=True)
def drawer_reopen(request: HttpRequest, drawer_pk: int) -> HttpResponse:
    """A supervisor reopens a closed drawer so its clerk can count it again."""
    drawer = get_object_or_404(Drawer, pk=drawer_pk)
    form = ReopenForm(request.POST)

    def reopen() -> str:
        services.drawer_reopen(
            drawer=drawer, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        return reverse("payments:drawer", args=[drawer.pk])

    done = f"Drawer {drawer.pk} is open again for a recount."
    sent = submit(request, purpose=REOPEN, form=form, action=reopen, success=done)
    if sent.done:
        return sent.done
    context = {**_detail_context(drawer), "reopen_form": form, "token": sent.token}
    return render(request, "payments/drawer_detail.html", context, status=400)


@permission_required("payments.view_payment", raise_exception=True)
def drawer_detail(request: HttpRequest, drawer_pk: int) -> HttpResponse:
    drawer = get_object_or_404(Drawer.objects.select_related("clerk"), pk=drawer_pk)
    if drawer.clerk_id != request.user.pk and not request.user.has_perm(
        "payments.view_cash_reports"
    ):
        raise PermissionDenied("Only the drawer's clerk and supervisors see this drawer.")
    context = {**_detail_context(drawer), "reopen_form": ReopenForm()}
    context["token"] = token_for(request, REOPEN)
    return render(request, "payments/drawer_detail.html", context)


def _detail_context(drawer: Drawer) -> dict[str, object]:
    counts = [
        (name, value, drawer.float_counts.get(name, 0), drawer.counted_counts.get(name, 0))
        for name, value in DENOMINATIONS
    ]
    expected = selectors.drawer_expected(drawer)
    return {
        "drawer": drawer,
        "expected": expected,
        "rows": selectors.drawer_tender_rows(drawer, expected),
        "payments": selectors.drawer_payments(drawer),
        "counts": counts,
        "reopenable": selectors.drawer_reopenable(drawer),
    }
