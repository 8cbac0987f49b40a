from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from billing_site.common.formflow import submit, token_for
from billing_site.common.pdf import pdf_response, render_pdf

from .. import photos, selectors, services
from ..choices import NEEDS_READING, WHAT_TO_DO, Origin
from ..forms import CancelForm, CompleteForm
from ..models import OrderPhoto, ServiceOrder
from ._access import order_for_user

VIEW = "service_orders.view_serviceorder"
COMPLETE = "service_orders.complete"
CANCEL = "service_orders.cancel"


def _complete_form(request: HttpRequest, order: ServiceOrder) -> CompleteForm:
    reads = selectors.last_reads(order.meter_id, 1)
    return CompleteForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        needs_reading=order.kind in NEEDS_READING, kind=order.kind,
        last_reading=reads[0].reading if reads else None,
    )  # fmt: skip


def _context(request: HttpRequest, order: ServiceOrder, **extra: object) -> dict[str, object]:
    user = request.user
    can_work = order.is_active and order.technician_id == user.pk and user.has_perm(services.WORK)
    can_cancel = order.is_active and user.has_perm(services.CANCEL) and (
        order.origin != Origin.COLLECTIONS or user.has_perm(services.CANCEL_COLLECTIONS)
    )  # fmt: skip
    context: dict[str, object] = {
        "order": order, "what_to_do": WHAT_TO_DO[order.kind],
        "reads": selectors.last_reads(order.meter_id), "can_work": can_work,
        "can_cancel": can_cancel, "photos": list(order.photos.all()),
        "history": order.history.select_related("history_user").order_by("-history_id")[:50],
        "stops_at": _stops_at(order),
    }  # fmt: skip
    if can_work and order.status == "in_progress" and "form" not in extra:
        context["form"] = _complete_form(request, order)
        context["token"] = token_for(request, COMPLETE)
    context.update(extra)
    return context


def _stops_at(order: ServiceOrder) -> object:
    """What a disconnect order may show of the balance: the amount that would stop it."""
    if order.kind == "disconnect" and order.is_active:
        return order.account.balance
    return None


@permission_required(VIEW, raise_exception=True)
def detail(request: HttpRequest, order_pk: int) -> HttpResponse:
    order = order_for_user(order_pk, request.user)
    return render(request, "service_orders/detail.html", _context(request, order))


@require_POST
@permission_required(services.WORK, raise_exception=True)
def start(request: HttpRequest, order_pk: int) -> HttpResponse:
    order = order_for_user(order_pk, request.user)
    try:
        services.order_start(order=order, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("service_orders:detail", order_pk=order.pk)


@require_http_methods(["GET", "POST"])
@permission_required(services.WORK, raise_exception=True)
def complete(request: HttpRequest, order_pk: int) -> HttpResponse:
    order = order_for_user(order_pk, request.user)
    if order.technician_id != request.user.pk:
        raise PermissionDenied("This order is another technician's.")
    form = _complete_form(request, order)

    def action() -> str:
        data = form.cleaned_data
        accuracy = None
        if "accuracy_low" in data:
            accuracy = (data["accuracy_low"], data["accuracy_medium"], data["accuracy_high"])
        done = services.order_complete(
            order=order, acting_user=request.user, result_code=data["result_code"],
            notes=data.get("notes", ""), reading=data.get("reading"),
            new_reading=data.get("new_reading"), accuracy=accuracy,
        )  # fmt: skip
        if data.get("photo"):
            photos.photo_add(order=done, upload=data["photo"], acting_user=request.user)
        return reverse("service_orders:detail", args=[order.pk])

    sent = submit(request, purpose=COMPLETE, form=form, action=action,
                  success=f"Order {order.number} completed.")  # fmt: skip
    if sent.done:
        return sent.done
    ctx = _context(request, order, form=form, token=sent.token)
    return render(request, "service_orders/detail.html", ctx, status=200)


@require_http_methods(["GET", "POST"])
@permission_required(services.CANCEL, raise_exception=True)
def cancel(request: HttpRequest, order_pk: int) -> HttpResponse:
    order = order_for_user(order_pk, request.user)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if order.origin == Origin.COLLECTIONS and not request.user.has_perm(
        services.CANCEL_COLLECTIONS
    ):
        raise PermissionDenied("A disconnect ordered by collections is cancelled by a coordinator.")
    sent = submit(
        request, purpose=CANCEL, form=form, success=f"Order {order.number} cancelled.",
        action=lambda: _cancelled(order, form, request),
    )  # fmt: skip
    if sent.done:
        return sent.done
    ctx = {"order": order, "form": form, "token": sent.token}
    return render(request, "service_orders/cancel.html", ctx)


def _cancelled(order: ServiceOrder, form: CancelForm, request: HttpRequest) -> str:
    services.order_cancel(order=order, reason=form.cleaned_data["reason"], acting_user=request.user)
    back = request.GET.get("next", "")
    return back if back.startswith("/") and not back.startswith("//") else reverse(
        "service_orders:detail", args=[order.pk]
    )  # fmt: skip


@permission_required(services.WORK, raise_exception=True)
def mine(request: HttpRequest) -> HttpResponse:
    """The technician's day on a phone: today's and overdue orders in route order."""
    today = timezone.localdate()
    orders = selectors.my_day(request.user, today)
    context = {"orders": orders, "today": today, "what": WHAT_TO_DO}
    return render(request, "service_orders/mine.html", context)


@permission_required(VIEW, raise_exception=True)
def work_order_pdf(request: HttpRequest, order_pk: int) -> HttpResponse:
    order = order_for_user(order_pk, request.user)
    context = {
        "order": order, "what_to_do": WHAT_TO_DO[order.kind],
        "reads": selectors.last_reads(order.meter_id), "printed_at": timezone.now(),
    }  # fmt: skip
    data = render_pdf("service_orders/pdf/work_order.html", context,
                      stylesheet="service_orders/pdf/work_order.css")  # fmt: skip
    return pdf_response(data, f"work-order-{order.number}.pdf")


@permission_required("service_orders.view_order_photo", raise_exception=True)
def photo(request: HttpRequest, photo_pk: int) -> HttpResponse:
    pk = photo_pk
    try:
        picture = OrderPhoto.objects.get(pk=pk)
    except OrderPhoto.DoesNotExist:
        raise Http404("No such photo.") from None
    order_for_user(picture.order_id, request.user)  # a technician: only their own orders
    response = FileResponse(picture.image.open("rb"), content_type=picture.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = (
        f'inline; filename="order-{picture.order_id}-{pk}.{picture.extension}"'
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
