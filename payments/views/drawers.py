"""Opening, viewing and closing a cash drawer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from billing_site.common.formflow import submit

from .. import selectors, services
from ..choices import DENOMINATIONS
from ..forms import CountForm, DrawerCloseForm
from ..models import Drawer
from .counter import account_query

OPEN = "payments.drawer_open"
CLOSE = "payments.drawer_close"


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
    drawer = selectors.open_drawer_for(request.user)
    if drawer is None:
        messages.info(request, "You have no open drawer.")
        return redirect("payments:drawer_open")
    form = DrawerCloseForm(request.POST or None)

    def close() -> str:
        closed = services.drawer_close(
            drawer=drawer,
            counts=form.counts(),
            checks=form.cleaned_data["checks"],
            acting_user=request.user,
        )
        return reverse("payments:drawer", args=[closed.pk])

    sent = submit(request, purpose=CLOSE, form=form, action=close)
    if sent.done:
        return sent.done
    context = {
        "form": form,
        "drawer": drawer,
        "expected": selectors.drawer_expected(drawer),
        "token": sent.token,
    }
    return render(request, "payments/drawer_close.html", context)


@permission_required("payments.view_payment", raise_exception=True)
def drawer_detail(request: HttpRequest, drawer_pk: int) -> HttpResponse:
    drawer = get_object_or_404(Drawer.objects.select_related("clerk"), pk=drawer_pk)
    if drawer.clerk_id != request.user.pk and not request.user.has_perm(
        "payments.view_cash_reports"
    ):
        raise PermissionDenied("Only the drawer's clerk and supervisors see this drawer.")
    counts = [
        (name, value, drawer.float_counts.get(name, 0), drawer.counted_counts.get(name, 0))
        for name, value in DENOMINATIONS
    ]
    expected = selectors.drawer_expected(drawer)
    context = {
        "drawer": drawer,
        "expected": expected,
        "rows": selectors.drawer_tender_rows(drawer, expected),
        "payments": selectors.drawer_payments(drawer),
        "counts": counts,
    }
    return render(request, "payments/drawer_detail.html", context)
