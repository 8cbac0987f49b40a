"""Bill-run pages: the runs of each cycle (and starting one), a run's progress and
proof register with its Post form and Print button, the print shop's combined PDF and
the mailing vendor's export file, each bill. Thin: permission, form, service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing_site.common.documents import document_download
from billing_site.common.formflow import show_errors, submit
from billing_site.common.pdf import pdf_response
from billing_site.common.task_views import progress_url

from .. import selectors
from ..bill_pdf import bill_pdf as bill_pdf_bytes
from ..models import Bill, BillRun
from . import printing, register, runs
from .correction_views import bill_actions
from .forms import BillRunPostForm, BillRunStartForm

POST_PURPOSE = "billing.bill_run_post"


@permission_required("billing.view_billrun", raise_exception=True)
def run_list(request: HttpRequest) -> HttpResponse:
    form = BillRunStartForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm(runs.RUN):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                run = runs.bill_run_start(**form.cleaned_data, acting_user=request.user)
            except ValidationError as refused:
                show_errors(form, refused)
            else:
                return redirect("billing:run", run_pk=run.pk)
    context = {"runs": BillRun.objects.select_related("cycle")[:50], "form": form}
    return render(request, "billing/runs/list.html", context)


@permission_required("billing.view_billrun", raise_exception=True)
def run_detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = get_object_or_404(BillRun.objects.select_related("cycle"), pk=run_pk)
    form = BillRunPostForm(request.POST or None)
    if request.method == "POST" and not request.user.has_perm(runs.POST):
        return HttpResponse(status=403)

    def post() -> str:
        runs.bill_run_post(
            run=run, confirmed_total=form.cleaned_data["confirmed_total"],
            exclude_errors=form.cleaned_data["exclude_errors"], acting_user=request.user,
        )  # fmt: skip
        return reverse("billing:run", args=[run.pk])

    sent = submit(request, purpose=POST_PURPOSE, form=form, action=post, success="Posting.")
    if sent.done:
        return sent.done
    task = runs.bill_run_long_task(run, runs.POST_TASK) or runs.bill_run_long_task(
        run, runs.CALCULATE_TASK
    )
    proof = register.proof_register(run)
    print_task = printing.print_task(run)
    combined, export = printing.print_documents(run)
    context = {
        "run": run, "form": form, "token": sent.token, "task": task,
        "poll_url": progress_url(task, refresh=True) if task else "",
        "print_task": print_task, "combined": combined, "export": export,
        "print_poll_url": progress_url(print_task, refresh=True) if print_task else "",
        "proof": proof, "exception_lists": [
            (code, label, proof.exceptions[code]) for code, label in register.EXCEPTION_RULES
        ],
        "total": runs.run_total(run),
    }  # fmt: skip
    return render(request, "billing/runs/detail.html", context)


@require_POST
@permission_required("billing.add_billrun", raise_exception=True)
def run_recalculate(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = get_object_or_404(BillRun, pk=run_pk)
    runs.bill_run_recalculate(run=run, acting_user=request.user)
    return redirect("billing:run", run_pk=run.pk)


@require_POST
@permission_required(printing.PRINT, raise_exception=True)
def run_print(request: HttpRequest, run_pk: int) -> HttpResponse:
    """Start printing a posted run (or carry on with a print that stopped)."""
    run = get_object_or_404(BillRun, pk=run_pk)
    try:
        printing.bill_run_print(run=run, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, "Printing: the bills are being laid out.")
    return redirect("billing:run", run_pk=run.pk)


@permission_required(printing.PRINT, raise_exception=True)
def run_print_pdf(request: HttpRequest, run_pk: int) -> HttpResponse:
    """The print shop's combined PDF of a printed run."""
    run = get_object_or_404(BillRun, pk=run_pk)
    combined, _export = printing.print_documents(run)
    if combined is None:
        messages.info(request, "This run is not printed yet.")
        return redirect("billing:run", run_pk=run.pk)
    return document_download(combined, f"bill-run-{run.pk}.pdf")


@permission_required(printing.PRINT, raise_exception=True)
def run_print_csv(request: HttpRequest, run_pk: int) -> HttpResponse:
    """The mailing vendor's bill-print export file of a printed run."""
    run = get_object_or_404(BillRun, pk=run_pk)
    _combined, export = printing.print_documents(run)
    if export is None:
        messages.info(request, "This run is not printed yet.")
        return redirect("billing:run", run_pk=run.pk)
    return document_download(
        export, f"bill-run-{run.pk}.csv", content_type="text/csv; charset=utf-8"
    )


@permission_required("billing.view_bill", raise_exception=True)
def bill_detail(request: HttpRequest, bill_pk: int) -> HttpResponse:
    bill = get_object_or_404(Bill.objects.select_related("run", "account"), pk=bill_pk)
    lines = bill.lines.select_related("service", "journal_entry")
    context = {"bill": bill, "lines": lines, **bill_actions(request, bill)}
    context["one_time_charges"] = selectors.one_time_charges_for_bill(bill)
    return render(request, "billing/runs/bill.html", context)


@require_POST
@permission_required("billing.add_billrun", raise_exception=True)
def bill_recalculate(request: HttpRequest, bill_pk: int) -> HttpResponse:
    bill = get_object_or_404(Bill, pk=bill_pk)
    again = runs.bill_recalculate(bill=bill, acting_user=request.user)
    return redirect("billing:bill", bill_pk=again.pk)


@permission_required("billing.view_bill", raise_exception=True)
def bill_pdf(request: HttpRequest, bill_pk: int) -> HttpResponse:
    """The bill's PDF: a posted bill's stored document (identical on every print)."""
    bill = get_object_or_404(Bill, pk=bill_pk)
    data = bill_pdf_bytes(bill=bill, acting_user=request.user)
    return pdf_response(data, f"bill-{bill.number or 'draft-' + str(bill.pk)}.pdf")
