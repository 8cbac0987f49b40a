from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from billing_site.common.formflow import submit
from billing_site.common.pdf import pdf_response, render_pdf
from collections_app.models import NoticeRun
from collections_app.services.notices import disconnect_list

from .. import selectors, services
from ..forms import AssignForm
from ..models import ServiceOrder

ASSIGN = "service_orders.assign"
FROM_LIST = "service_orders.from_disconnect_list"


@require_http_methods(["GET", "POST"])
@permission_required(services.DISPATCH, raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    """Today's and overdue orders by technician and route; tick many, assign them at once."""
    today = timezone.localdate()
    groups = selectors.board(today)
    ids = [o.pk for g in groups for o in g.orders]
    techs = selectors.technicians()
    form = AssignForm(
        request.POST if request.method == "POST" else None, technicians=techs, order_ids=ids
    )

    def action() -> str:
        chosen = ServiceOrder.objects.filter(pk__in=form.cleaned_data["orders"])
        services.orders_assign(
            orders=list(chosen), technician=form.cleaned_data["technician"],
            acting_user=request.user,
        )  # fmt: skip
        return reverse("service_orders:board")

    count = len(request.POST.getlist("orders"))
    sent = submit(request, purpose=ASSIGN, form=form, action=action,
                  success=f"{count} order{'s' if count != 1 else ''} assigned.")  # fmt: skip
    if sent.done:
        return sent.done
    ticked = set(form.cleaned_data.get("orders", [])) if form.is_bound and hasattr(
        form, "cleaned_data") else set()  # fmt: skip
    context = {
        "groups": groups, "form": form, "token": sent.token, "today": today,
        "technicians": list(techs), "total": len(ids), "ticked": ticked,
    }  # fmt: skip
    return render(request, "service_orders/board.html", context)


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@permission_required(services.DISPATCH, raise_exception=True)
def route_sheet(request: HttpRequest, technician_pk: int) -> HttpResponse:
    """A technician's day on paper, in read-sequence order (PDF)."""
    technician = get_object_or_404(User, pk=technician_pk)
    if not selectors.technicians().filter(pk=technician.pk).exists():
        raise Http404("Not a field technician.")
    day = _day(request)
    context = {
        "technician": technician, "day": day, "orders": selectors.route_sheet(technician, day),
        "printed_at": timezone.now(), "printed_by": request.user.get_username(),
    }  # fmt: skip
    data = render_pdf("service_orders/pdf/route_sheet.html", context,
                      stylesheet="service_orders/pdf/work_order.css")  # fmt: skip
    return pdf_response(data, f"route-sheet-{technician.get_username()}-{day}.pdf")


@require_POST
@permission_required(services.DISPATCH, raise_exception=True)
@permission_required(services.ADD, raise_exception=True)
def disconnect_orders(request: HttpRequest, notice_pk: int) -> HttpResponse:
    """Disconnect orders for the accounts of a sent disconnect step's list."""
    run = get_object_or_404(NoticeRun.objects.select_related("step"), pk=notice_pk)
    if not (run.step.is_disconnect and run.status == "posted"):
        raise Http404("Not a sent disconnect list.")
    ids = [line.account_id for line in disconnect_list(run)]
    made: list[ServiceOrder] = []

    def action() -> str:
        made.extend(services.disconnect_orders_create(
            account_ids=ids, due_on=timezone.localdate(), acting_user=request.user))  # fmt: skip
        return reverse("service_orders:board")

    sent = submit(request, purpose=FROM_LIST, action=action,
                  success="Disconnect orders created from the list.")  # fmt: skip
    if sent.done:
        return sent.done
    return render(request, "service_orders/refused.html", {"error": sent.error}, status=400)
