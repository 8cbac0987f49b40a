"""The aging pages: start one (a long task), read a kept one by service, fund, class or
status with drill-down to a cell's accounts, PDF and CSV; explain one account's balance."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import Account
from billing_site.common.csvutil import csv_response
from billing_site.common.formflow import show_errors
from billing_site.common.pdf import pdf_response, render_pdf
from billing_site.common.task_views import progress_url
from billing_site.common.tasks import long_task_for

from .. import selectors
from ..choices import AgingGroup
from ..forms import AgingStartForm, AsOfForm
from ..models import AgingRun
from ..services import aging as aging_services

VIEW = aging_services.VIEW_PERM


@permission_required(VIEW, raise_exception=True)
def aging_list(request: HttpRequest) -> HttpResponse:
    # ?as_of= (a month-end of the dashboard) fills in the date to run an aging of.
    asked = AsOfForm(request.GET) if "as_of" in request.GET else None
    as_of = asked.cleaned_data["as_of"] if asked and asked.is_valid() else _last_month_end()
    form = AgingStartForm(request.POST or None, initial={"as_of": as_of})
    if request.method == "POST":
        if not request.user.has_perm(aging_services.RUN_PERM):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                run = aging_services.aging_run_start(**form.cleaned_data, acting_user=request.user)
            except ValidationError as refused:
                show_errors(form, refused)
            else:
                return redirect("collections:aging", aging_pk=run.pk)
    context = {"form": form, "runs": selectors.aging_runs()}
    return render(request, "collections/aging_list.html", context)


def _last_month_end() -> Any:
    return timezone.localdate().replace(day=1) - timezone.timedelta(days=1)


def _grouping(request: HttpRequest) -> str:
    by = request.GET.get("by", AgingGroup.SERVICE)
    return by if by in AgingGroup.values else AgingGroup.SERVICE


@permission_required(VIEW, raise_exception=True)
def aging_detail(request: HttpRequest, aging_pk: int) -> HttpResponse:
    run = get_object_or_404(AgingRun.objects.select_related("created_by"), pk=aging_pk)
    by = _grouping(request)
    rows = selectors.aging_table(run, by=by) if run.status == "done" else []
    labels = run.bucket_labels
    context = {
        "run": run, "by": by, "groups": AgingGroup.choices, "rows": rows, "labels": labels,
        "totals": selectors.aging_totals(rows, len(labels)),
        "task": long_task_for(kind=aging_services.AGING_TASK, subject=run),
    }  # fmt: skip
    if context["task"]:
        context["poll_url"] = progress_url(context["task"], refresh=True)
    fmt = request.GET.get("format", "")
    if fmt == "csv" and run.status == "done":
        return csv_response(
            f"aging-{run.as_of}-{by}.csv",
            [AgingGroup(by).label, *labels, "Total"],
            [[r.label, *r.amounts, r.total] for r in rows]
            + [["Total", *context["totals"], run.aging_total]]
            + [["Receivable GL balance", *[""] * len(labels), run.receivable_gl_total]]
            + [["Unapplied credits (apart)", *[""] * len(labels), run.unapplied_total]],
        )
    if fmt == "pdf" and run.status == "done":
        context.update(printed_at=timezone.now(), printed_by=request.user.get_username())
        data = render_pdf(
            "collections/pdf/aging.html", context, stylesheet="collections/pdf/report.css"
        )
        return pdf_response(data, f"aging-{run.as_of}-{by}.pdf")
    return render(request, "collections/aging_detail.html", context)


@permission_required(VIEW, raise_exception=True)
def aging_cell(request: HttpRequest, aging_pk: int) -> HttpResponse:
    run = get_object_or_404(AgingRun, pk=aging_pk, status="done")
    by = _grouping(request)
    key = request.GET.get("key", "")
    bucket_text = request.GET.get("bucket", "")
    if not key:
        return redirect("collections:aging", aging_pk=run.pk)
    if bucket_text and not bucket_text.isdigit():
        raise Http404("No such cell.")
    bucket = int(bucket_text) if bucket_text else None
    if bucket is not None and bucket > len(run.limits):
        raise Http404("No such bucket.")
    rows = selectors.aging_cell(run, by=by, key=key, bucket=bucket)
    labels = dict((r.key, r.label) for r in selectors.aging_table(run, by=by))
    context = {
        "run": run, "by": by, "key": key, "rows": rows, "row_label": labels.get(key, key),
        "bucket_label": run.bucket_labels[bucket] if bucket is not None else "all buckets",
    }  # fmt: skip
    if request.GET.get("format") == "csv":
        return csv_response(
            f"aging-{run.as_of}-cell.csv",
            ["Account", "Customer", "Sub-accounts", "Amount"],
            [[r.account.number, r.account.customer.display_name, r.sub_accounts, r.amount]
             for r in rows],
        )  # fmt: skip
    return render(request, "collections/aging_cell.html", context)


@permission_required("accounts.view_account", raise_exception=True)
@permission_required("ledger.view_journaltransaction", raise_exception=True)
def explain(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account.objects.select_related("customer", "premise"), pk=pk)
    form = AsOfForm(request.GET or None, initial={"as_of": aging_services.latest_as_of()})
    as_of = form.cleaned_data["as_of"] if form.is_valid() else aging_services.latest_as_of()
    explanation = selectors.explain_balance(account.pk, as_of=as_of)
    context = {
        "account": account, "form": form, "explanation": explanation,
        "aging": selectors.account_aging(account.pk, as_of=as_of),
    }  # fmt: skip
    return render(request, "collections/explain.html", context)
