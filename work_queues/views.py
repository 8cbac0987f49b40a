"""The work pages: "My work" (/work/), taking and closing items, follow-ups from the
account page, the assignment page (/work/office/) and the workload report. Thin: the
permission, the form, the service, the redirect."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Account
from billing_site.common.counter_day import counter_date
from billing_site.common.csvutil import csv_response
from billing_site.common.formflow import submit, token_for
from billing_site.common.idempotency import issue_token
from billing_site.common.pdf import pdf_response, render_pdf

from . import selectors, services
from .forms import AssignForm, CancelForm, CloseForm, FollowupForm, WorkloadForm
from .kinds import KINDS, label_of
from .models import WorkItem
from .rows import Forms, item_rows

TAKE, DONE, CANCEL = "work_queues.take", "work_queues.done", "work_queues.cancel"
ASSIGN, FOLLOWUP = "work_queues.assign", "work_queues.followup"


def decorate(items: list[WorkItem], user: Any, *, tokens: bool) -> list[WorkItem]:
    """Each item's kind label, page, overdue mark and (``tokens``) its "Mark done" form's
    token: one for the list, bound to the item when it is claimed."""
    today = counter_date()
    done_token = issue_token(user_id=user.pk, purpose=DONE) if tokens else ""
    for item in items:
        kind = KINDS.get(item.kind)
        item.label = label_of(item.kind)  # type: ignore[attr-defined]
        item.page = kind.url(item.source_key or "", item.account_id) if kind else ""  # type: ignore[attr-defined]
        item.overdue = item.due_on is not None and item.due_on < today  # type: ignore[attr-defined]
        item.closable = bool(kind and kind.manual_close)  # type: ignore[attr-defined]
        item.done_token = done_token if item.closable else ""  # type: ignore[attr-defined]
    return items


@permission_required(services.VIEW_PERM, raise_exception=True)
def my_work(request: HttpRequest) -> HttpResponse:
    """My items and my roles' shared queues, by due date and priority."""
    return render(request, "work_queues/my_work.html", _my_context(request))


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def _my_context(request: HttpRequest) -> dict[str, Any]:
    """Counts (per kind, overdue, due today) and one page of my items. The forms of the
    page's rows share one one-time token per purpose: a submission claims it bound to its
    item (``formflow.sent_digest``), so a double submit acts once, and the page it
    redirects to carries new ones."""
    user: Any = request.user
    counts = selectors.my_counts(user)
    request._my_work_count = counts.total  # type: ignore[attr-defined]  # the navigation's
    page = selectors.my_page(user, number=_page_number(request), total=counts.total)
    forms = Forms(
        csrf=get_token(request),
        take_token=issue_token(user_id=user.pk, purpose=TAKE),
        done_token=issue_token(user_id=user.pk, purpose=DONE),
        next_path=reverse("work_queues:mine") + (f"?page={page.number}" if page.number > 1 else ""),
    )
    today = counter_date()
    rows = item_rows(page.rows, today=today, forms=forms)
    return {"counts": counts, "page": page, "rows": rows, "items": page.rows, "today": today}


def _item(request: HttpRequest, item_pk: int) -> WorkItem:
    return get_object_or_404(WorkItem, pk=item_pk)


def _back(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "")
    return (
        wanted
        if wanted.startswith("/work/") or wanted.startswith("/accounts/")
        else reverse("work_queues:mine")
    )


@require_POST
@permission_required(services.FOLLOWUP_PERM, raise_exception=True)
def take(request: HttpRequest, work_item_pk: int) -> HttpResponse:
    item = _item(request, work_item_pk)

    def action() -> str:
        services.item_take(item=item, acting_user=request.user)
        return reverse("work_queues:mine")

    sent = submit(request, purpose=TAKE, action=action, success="The item is yours now.")
    return sent.done or _refused(request, sent)


@require_POST
@permission_required(services.FOLLOWUP_PERM, raise_exception=True)
def done(request: HttpRequest, work_item_pk: int) -> HttpResponse:
    item = _item(request, work_item_pk)
    form = CloseForm(request.POST)

    def action() -> str:
        services.item_done(item=item, note=form.cleaned_data["note"], acting_user=request.user)
        return _back(request)

    sent = submit(request, purpose=DONE, form=form, action=action, success="Marked done.")
    return sent.done or _refused(request, sent, form)


@require_http_methods(["GET", "POST"])
@permission_required(services.FOLLOWUP_PERM, raise_exception=True)
def cancel(request: HttpRequest, work_item_pk: int) -> HttpResponse:
    """Cancel an item with a reason (a small page: the reason is required)."""
    item = _item(request, work_item_pk)
    form = CancelForm(request.POST if request.method == "POST" else None)

    def action() -> str:
        services.item_cancel(
            item=item, reason=form.cleaned_data["reason"], acting_user=request.user
        )
        return reverse("work_queues:mine")

    sent = submit(request, purpose=CANCEL, form=form, action=action, success="Item cancelled.")
    if sent.done:
        return sent.done
    decorate([item], request.user, tokens=False)
    context = {"item": item, "form": form, "token": sent.token}
    return render(request, "work_queues/cancel.html", context, status=400 if form.errors else 200)


def _refused(request: HttpRequest, sent: Any, form: Any = None) -> HttpResponse:
    errors = [str(e) for e in (form.non_field_errors() if form is not None else [])]
    if form is not None:
        errors += [str(e) for name, errs in form.errors.items() if name != "__all__" for e in errs]
    if sent.error is not None and not errors:
        errors = list(getattr(sent.error, "messages", [str(sent.error)]))
    for message in errors or ["That could not be done."]:
        messages.error(request, message)
    return render(request, "work_queues/my_work.html", _my_context(request), status=400)


# -- follow-ups from the account page ---------------------------------------------------


def followup_form(request: HttpRequest, data: Any = None) -> FollowupForm:
    return FollowupForm(data, people=selectors.assignable_people(), groups=selectors.queues())


@require_POST
@permission_required(services.FOLLOWUP_PERM, raise_exception=True)
def followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    form = followup_form(request, request.POST)

    def action() -> str:
        user, group = form.chosen_assignee()
        services.followup_add(
            account=account, why=form.cleaned_data["why"], due_on=form.cleaned_data["due_on"],
            priority=form.cleaned_data["priority"], assigned_user=user, assigned_group=group,
            acting_user=request.user,
        )  # fmt: skip
        return reverse("accounts:detail", args=[account.pk])

    sent = submit(request, purpose=FOLLOWUP, form=form, action=action, success="Follow-up added.")
    if sent.done:
        return sent.done
    context = {"account": account, "form": form, "token": sent.token}
    return render(request, "work_queues/followup.html", context, status=400)


# -- the assignment page ----------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.OfficeFilter:
    get = request.GET

    def number(name: str) -> int | None:
        value = get.get(name, "")
        return int(value) if value.isdigit() else None

    kind = get.get("kind", "")
    return selectors.OfficeFilter(
        kind=kind if kind in KINDS else "", person=number("person"), queue=number("queue"),
        overdue=get.get("overdue") == "1",
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@permission_required(services.ASSIGN_PERM, raise_exception=True)
def office(request: HttpRequest) -> HttpResponse:
    """The office's open work by person and by kind; tick many and assign them at once."""
    filters = _filters(request)
    page = selectors.office_page(filters, number=_page_number(request))
    people, groups = list(selectors.assignable_people()), list(selectors.queues())
    form = AssignForm(
        request.POST if request.method == "POST" else None,
        people=people, groups=groups, item_ids=[r["pk"] for r in page.rows],
    )  # fmt: skip

    def action() -> str:
        user, group = form.chosen_assignee()
        chosen = list(WorkItem.objects.filter(pk__in=form.cleaned_data["items"]))
        count = services.items_assign(
            items=chosen, user=user, group=group, due_on=form.cleaned_data["due_on"],
            acting_user=request.user,
        )  # fmt: skip
        messages.success(request, f"{count} item{'s' if count != 1 else ''} assigned.")
        return request.get_full_path()

    sent = submit(request, purpose=ASSIGN, form=form, action=action)
    if sent.done:
        return sent.done
    ticked = set(form.cleaned_data.get("items", [])) if hasattr(form, "cleaned_data") else set()
    rows = item_rows(page.rows, today=counter_date(), pick=True, ticked=ticked)
    context = {
        "items": page.rows, "page": page, "rows": rows, "form": form, "token": sent.token,
        "filters": filters, "by_person": selectors.open_by_person(),
        "by_kind": selectors.open_by_kind(), "query": _query_without_page(request),
        "kinds": [(code, k.label) for code, k in KINDS.items()], "people": people,
        "groups": groups, "ticked": ticked, **panels(),
    }  # fmt: skip
    return render(request, "work_queues/office.html", context, status=400 if form.errors else 200)


def _query_without_page(request: HttpRequest) -> str:
    """The filters of the page's links to other pages (``?kind=...&page=2``)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def panels() -> dict[str, Any]:
    """What the two dashboard panels need (they render standalone too)."""
    return {
        "queue_sizes": selectors.queue_sizes(),
        "done_this_week": selectors.done_per_person(selectors.week_start()),
    }


# -- the workload report ------------------------------------------------------------------


@permission_required("work_queues.view_workload", raise_exception=True)
def workload(request: HttpRequest) -> HttpResponse:
    """Opened, done and overdue per person and per kind, with the median time to done."""
    today = timezone.localdate()
    data = request.GET if "start" in request.GET else None
    form = WorkloadForm(data, initial={"start": today - dt.timedelta(days=30), "end": today})
    report = None
    if form.is_valid():
        report = selectors.workload(start=form.cleaned_data["start"], end=form.cleaned_data["end"])
        wanted = request.GET.get("format", "")
        if wanted == "csv":
            return _workload_csv(report)
        if wanted == "pdf":
            context = {"report": report, "printed_at": timezone.now(), "by": request.user}
            data_pdf = render_pdf("work_queues/pdf/workload.html", context)
            return pdf_response(data_pdf, f"workload-{report.start}-{report.end}.pdf")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "work_queues/workload.html", {"form": form, "report": report}, status=status
    )


def _workload_csv(report: selectors.Workload) -> HttpResponse:
    header = ["by", "who or kind", "opened", "done", "overdue", "median hours to done"]
    rows = [
        [by, r.label, r.opened, r.done, r.overdue,
         f"{r.median_to_done.total_seconds() / 3600:.1f}" if r.median_to_done else ""]
        for by, part in (("person", report.by_person), ("kind", report.by_kind))
        for r in part
    ]  # fmt: skip
    return csv_response(f"workload-{report.start}-{report.end}.csv", header, rows)


def account_panel(request: HttpRequest, account: Account) -> dict[str, Any]:
    """The account page's work panel (front/ calls it): open items and the follow-up form."""
    user: Any = request.user
    if not user.has_perm(services.VIEW_PERM):
        return {}
    items = list(
        WorkItem.objects.filter(account=account, status__in=["open", "in_progress"])
        .select_related("assigned_user", "assigned_group")
        .order_by("due_on", "priority", "pk")[:50]
    )
    found: dict[str, Any] = {"work_items": decorate(items, user, tokens=True)}
    if user.has_perm(services.FOLLOWUP_PERM):
        found["followup_form"] = followup_form(request)
        found["followup_token"] = token_for(request, FOLLOWUP)
    return found


@permission_required(services.ASSIGN_PERM, raise_exception=True)
def panel_queue_sizes(request: HttpRequest) -> HttpResponse:
    """The queue-sizes panel alone (the operations dashboard includes it or loads it)."""
    return render(request, "work_queues/partials/panel_queue_sizes.html", panels())


@permission_required(services.ASSIGN_PERM, raise_exception=True)
def panel_done_this_week(request: HttpRequest) -> HttpResponse:
    return render(request, "work_queues/partials/panel_done_this_week.html", panels())
