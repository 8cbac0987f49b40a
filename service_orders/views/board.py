from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from billing.models import ReadException
from billing_site.common.formflow import submit
from billing_site.common.pdf import pdf_response, render_pdf
from collections_app.models import NoticeRun
from collections_app.services.notices import disconnect_list

from .. import selectors, services
from ..forms import AssignForm
from ..models import ServiceOrder

ASSIGN = "service_orders.assign"
FROM_LIST = "service_orders.from_disconnect_list"
FROM_EXCEPTION = "service_orders.from_read_exception"


@require_http_methods(["GET", "POST"])
@permission_required(services.DISPATCH, raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    """Today's and overdue orders counted by technician and route; one technician's (or
    route's) orders open below, a page at a time; tick many, assign them at once."""
    today = timezone.localdate()
    groups = selectors.board(today)
    shown, route, page = _shown(request, groups)
    techs = selectors.technicians()
    form = AssignForm(request.POST if request.method == "POST" else None, technicians=techs)
    here = _board_url(shown, route, page)

    def action() -> str:
        chosen = ServiceOrder.objects.filter(pk__in=form.cleaned_data["orders"])
        services.orders_assign(
            orders=list(chosen), technician=form.cleaned_data["technician"],
            acting_user=request.user,
        )  # fmt: skip
        return here

    count = len(request.POST.getlist("orders"))
    sent = submit(request, purpose=ASSIGN, form=form, action=action,
                  success=f"{count} order{'s' if count != 1 else ''} assigned.")  # fmt: skip
    if sent.done:
        return sent.done
    return render(request, "service_orders/board.html", {
        "groups": groups, "form": form, "token": sent.token, "today": today,
        "total": sum(g.total for g in groups), "here": here,
        **_open_group(request, today, shown, route, page, form),
    })  # fmt: skip


def _shown(request: HttpRequest, groups: list[selectors.BoardGroup]) -> tuple[Any, Any, int]:
    """The group (and route) opened below the counts: asked for, else the first one."""
    params = request.POST if request.method == "POST" else request.GET
    by_key = {g.key: g for g in groups}
    group = by_key.get(params.get("show", "")) or (groups[0] if groups else None)
    routes = {str(r[0]) if r[0] else "none": r[0] for r in (group.routes if group else [])}
    route = routes.get(params.get("route", ""), "")
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    return group, route, page


def _board_url(group: Any, route: Any, page: int) -> str:
    query = {"show": group.key} if group else {}
    if route != "":
        query["route"] = "none" if route is None else str(route)
    if page > 1:
        query["page"] = str(page)
    base = reverse("service_orders:board")
    return f"{base}?{urlencode(query)}" if query else base


def _open_group(
    request: HttpRequest, today: date, group: Any, route: Any, page: int, form: AssignForm
) -> dict[str, Any]:
    if group is None:
        return {"shown": None, "rows": []}
    count = group.total if route == "" else next(n for r, _, n in group.routes if r == route)
    pages = max(1, -(-count // selectors.BOARD_PAGE))
    page = min(page, pages)
    rows = selectors.board_rows(
        today, technician_id=group.technician_id, route_id=route,
        offset=(page - 1) * selectors.BOARD_PAGE, limit=selectors.BOARD_PAGE,
    )  # fmt: skip
    ticked = set(form.ticked()) if form.is_bound else set()
    on_page = {r.pk for r in rows}
    return {
        "shown": group, "route": route, "rows": rows, "count": count, "page": page,
        "pages": pages, "ticked": ticked, "ticked_elsewhere": sorted(ticked - on_page),
        "previous_url": _board_url(group, route, page - 1) if page > 1 else "",
        "next_url": _board_url(group, route, page + 1) if page < pages else "",
        "detail_prefix": reverse("service_orders:detail", args=[0])[:-2],
    }  # fmt: skip


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
    """Disconnect orders for the accounts of a sent disconnect step's list; back to the
    list, which shows how many orders there are and which accounts were refused and why."""
    run = get_object_or_404(NoticeRun.objects.select_related("step"), pk=notice_pk)
    if not (run.step.is_disconnect and run.status == "posted"):
        raise Http404("Not a sent disconnect list.")
    ids = [line.account_id for line in disconnect_list(run)]

    def action() -> str:
        made, plan = services.disconnect_orders_from_list(
            account_ids=ids, due_on=timezone.localdate(), acting_user=request.user
        )
        refused = len(plan.refused)
        messages.success(request, (
            f"{len(made)} disconnect order{pluralize(len(made))} created; {refused} "
            f"account{pluralize(refused)} refused; {len(plan.open_already)} already had one."
        ))  # fmt: skip
        return reverse("collections:notice_run", args=[run.pk])

    sent = submit(request, purpose=FROM_LIST, action=action)
    if sent.done:
        return sent.done
    return render(request, "service_orders/refused.html", {"error": sent.error}, status=400)


@require_POST
@permission_required(services.ADD, raise_exception=True)
def reread_order(request: HttpRequest, exception_pk: int) -> HttpResponse:
    """A re-read order from the read exceptions queue; back to the queue."""
    exception = get_object_or_404(ReadException, pk=exception_pk)

    def action() -> str:
        order = services.reread_order_from_exception(exception=exception, acting_user=request.user)
        messages.success(request, f"Re-read order {order.number} created.")
        return reverse("billing:exceptions")

    sent = submit(request, purpose=FROM_EXCEPTION, action=action)
    if sent.done:
        return sent.done
    return render(request, "service_orders/refused.html", {"error": sent.error}, status=400)
