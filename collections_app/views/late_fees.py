"""Late-fee pages: the runs and starting one, a run's progress and proof list (PDF, CSV)
with its Post form, and waiving one posted fee."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from billing_site.common.csvutil import csv_response
from billing_site.common.formflow import show_errors, submit
from billing_site.common.pdf import pdf_response, render_pdf
from billing_site.common.task_views import progress_url

from ..forms import LateFeePostForm, LateFeeStartForm, WaiverForm
from ..models import LateFeeLine, LateFeeRun
from ..services import late_fees as services

POST = "collections.late_fee_post"
WAIVE = "collections.late_fee_waive"
PROOF_HEADER = ["Account", "Customer", "Bill", "Service", "Past due", "Fee", "Status", "Why",
                "How the fee was computed"]  # fmt: skip


@permission_required(services.VIEW_PERM, raise_exception=True)
def late_fee_list(request: HttpRequest) -> HttpResponse:
    form = LateFeeStartForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm(services.RUN_PERM):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                run = services.late_fee_run_start(**form.cleaned_data, acting_user=request.user)
            except ValidationError as refused:
                show_errors(form, refused)
            else:
                return redirect("collections:late_fee_run", fee_run_pk=run.pk)
    runs = LateFeeRun.objects.select_related("created_by", "posted_by").annotate(
        posted=Count("lines", filter=Q(lines__status="posted")),
        fees=Sum("lines__fee", filter=Q(lines__status="posted")),
    )[:50]
    return render(request, "collections/late_fee_list.html", {"form": form, "runs": runs})


def _lines(run: LateFeeRun):
    return run.lines.select_related("account__customer", "bill", "service").order_by(
        "status", "account__number", "service__payment_order"
    )


@permission_required(services.VIEW_PERM, raise_exception=True)
def late_fee_detail(request: HttpRequest, fee_run_pk: int) -> HttpResponse:
    run = get_object_or_404(LateFeeRun.objects.select_related("created_by"), pk=fee_run_pk)
    form = LateFeePostForm(request.POST or None)
    if request.method == "POST" and not request.user.has_perm(services.POST_PERM):
        return HttpResponse(status=403)

    def post() -> str:
        services.late_fee_run_post(run=run, acting_user=request.user)
        return reverse("collections:late_fee_run", args=[run.pk])

    sent = submit(request, purpose=POST, form=form, action=post, success="Posting late fees.")
    if sent.done:
        return sent.done
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return csv_response(f"late-fees-{run.due_date}.csv", PROOF_HEADER, _rows(run))
    lines = list(_lines(run)[:5000])
    proposed = [ln for ln in lines if ln.status in ("proposed", "posted")]
    context = {
        "run": run, "form": form, "token": sent.token, "lines": lines,
        "fee_total": sum((ln.fee for ln in proposed), 0), "fee_count": len(proposed),
        "task": services.run_task(run),
    }  # fmt: skip
    if context["task"]:
        context["poll_url"] = progress_url(context["task"], refresh=True)
    if fmt == "pdf":
        context.update(printed_at=timezone.now(), printed_by=request.user.get_username())
        data = render_pdf(
            "collections/pdf/late_fee_proof.html", context, stylesheet="collections/pdf/report.css"
        )
        return pdf_response(data, f"late-fees-{run.due_date}.pdf")
    return render(request, "collections/late_fee_detail.html", context)


def _rows(run: LateFeeRun):
    for ln in _lines(run).iterator(chunk_size=2000):
        yield [
            ln.account.number, ln.account.customer.display_name, ln.bill.number,
            ln.service.code, ln.past_due, ln.fee, ln.get_status_display(), ln.reason,
            ln.computation,
        ]  # fmt: skip


@permission_required(services.WAIVE_PERM, raise_exception=True)
def late_fee_waive(request: HttpRequest, line_pk: int) -> HttpResponse:
    line = get_object_or_404(
        LateFeeLine.objects.select_related("account__customer", "bill", "run", "service"),
        pk=line_pk,
    )
    form = WaiverForm(request.POST or None, initial={"amount": line.fee})

    def waive() -> str:
        services.late_fee_waive(
            line=line, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )  # fmt: skip
        return reverse("accounts:detail", args=[line.account_id])

    sent = submit(
        request, purpose=WAIVE, form=form, action=waive, success="Late fee waiver recorded."
    )
    if sent.done:
        return sent.done
    context = {
        "line": line,
        "form": form,
        "token": sent.token,
        "limit": services.waiver_limit(),
        "waivers": line.waivers.select_related("requested_by", "adjustment_request"),
    }
    return render(request, "collections/late_fee_waive.html", context)
