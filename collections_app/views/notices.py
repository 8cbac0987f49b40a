"""Notice pages: the timeline's steps and runs, starting one (the proof list), a run's
proof list (PDF, CSV) with its Send form, printing its letters (the combined PDF), and
the disconnect list by route (PDF, CSV)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from billing_site.common.csvutil import csv_response
from billing_site.common.documents import (
    document_download,
    document_store,
    stored_document,
)
from billing_site.common.formflow import show_errors, submit
from billing_site.common.pdf import pdf_response, render_pdf
from billing_site.common.task_views import progress_url

from .. import hooks
from ..forms import NoticeSendForm, NoticeStartForm
from ..letters import LETTERS_TEMPLATE, STYLESHEET, letters_context
from ..models import Letter, NoticeRun, NoticeStep
from ..services import letters as letter_services
from ..services import notices as services

SEND = "collections.notice_send"
COMBINED = "collections.notice_letters"
HEADER = ["Route", "Stop", "Account", "Customer", "Service address", "Bill", "Past due",
          "Included", "Why", "Owner copy"]  # fmt: skip


@permission_required(services.VIEW_PERM, raise_exception=True)
def notice_list(request: HttpRequest) -> HttpResponse:
    form = NoticeStartForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm(services.RUN_PERM):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                run = services.notice_run_start(**form.cleaned_data, acting_user=request.user)
            except ValidationError as refused:
                show_errors(form, refused)
            else:
                return redirect("collections:notice_run", notice_pk=run.pk)
    context = {
        "form": form, "steps": NoticeStep.objects.select_related("letter_template"),
        "runs": NoticeRun.objects.select_related("step", "created_by")[:50],
    }  # fmt: skip
    return render(request, "collections/notice_list.html", context)


def _rows(lines):
    for ln in lines:
        yield [
            ln.route, ln.route_sequence or "", ln.account.number, ln.account.customer.display_name,
            str(ln.account.premise), ln.bill.number, ln.past_due, "yes" if ln.included else "no",
            ln.reason, "yes" if ln.owner_copy else "",
        ]  # fmt: skip


@permission_required(services.VIEW_PERM, raise_exception=True)
def notice_detail(request: HttpRequest, notice_pk: int) -> HttpResponse:
    run = get_object_or_404(NoticeRun.objects.select_related("step", "created_by"), pk=notice_pk)
    form = NoticeSendForm(request.POST or None)
    if request.method == "POST" and not request.user.has_perm(services.SEND_PERM):
        return HttpResponse(status=403)

    def send() -> str:
        services.notice_run_send(run=run, acting_user=request.user)
        return reverse("collections:notice_run", args=[run.pk])

    sent = submit(request, purpose=SEND, form=form, action=send, success="Sending.")
    if sent.done:
        return sent.done
    lines = list(
        run.lines.select_related("account__customer", "account__premise", "bill").order_by(
            "-included", "route", "route_sequence", "account__number"
        )[:5000]
    )
    listing = request.GET.get("list", "")
    if listing == "disconnect" and run.status == "posted":
        lines = services.disconnect_list(run)
    fmt = request.GET.get("format", "")
    stem = f"{run.step.code}-{run.run_date}"
    if fmt == "csv":
        return csv_response(f"{stem}.csv", HEADER, _rows(lines))
    context = {
        "run": run, "form": form, "token": sent.token, "lines": lines,
        "included": sum(1 for ln in lines if ln.included), "task": services.send_task(run),
        "combined": stored_document(kind=COMBINED, subject=run), "listing": listing,
    }  # fmt: skip
    if run.status == "posted" and run.step.is_disconnect and fmt == "":
        context["run_actions"] = hooks.disconnect_run_actions(run, request.user)
    if context["task"]:
        context["poll_url"] = progress_url(context["task"], refresh=True)
    if fmt == "pdf":
        context.update(printed_at=timezone.now(), printed_by=request.user.get_username())
        data = render_pdf("collections/pdf/notice_list.html", context,
                          stylesheet="collections/pdf/report.css")  # fmt: skip
        return pdf_response(data, f"{stem}.pdf")
    return render(request, "collections/notice_detail.html", context)


@require_POST
@permission_required(services.SEND_PERM, raise_exception=True)
def notice_print(request: HttpRequest, notice_pk: int) -> HttpResponse:
    """Render and store every letter of a sent run and the combined PDF (outside a
    transaction: WeasyPrint runs after the send committed)."""
    run = get_object_or_404(NoticeRun, pk=notice_pk, status="posted")
    letters = list(
        Letter.objects.filter(notice_line__run=run).order_by(
            "notice_line__route", "notice_line__route_sequence", "pk"
        )
    )
    if not letters:
        raise Http404("This step sends no letters.")
    letter_services.letter_documents(letters=letters, acting_user=request.user)
    if stored_document(kind=COMBINED, subject=run) is None:
        context = letters_context(letter_pks=[lt.pk for lt in letters])
        data = render_pdf(LETTERS_TEMPLATE, context, stylesheet=STYLESHEET)
        document_store(kind=COMBINED, subject=run, data=data, acting_user=request.user)
    messages.success(request, f"{len(letters)} letters printed; each is kept on its account.")
    return redirect("collections:notice_run", notice_pk=run.pk)


@permission_required(services.VIEW_PERM, raise_exception=True)
def notice_combined_pdf(request: HttpRequest, notice_pk: int) -> HttpResponse:
    run = get_object_or_404(NoticeRun.objects.select_related("step"), pk=notice_pk)
    document = stored_document(kind=COMBINED, subject=run)
    if document is None:
        messages.info(request, "The letters of this run have not been printed yet.")
        return redirect("collections:notice_run", notice_pk=run.pk)
    return document_download(document, f"{run.step.code}-{run.run_date}-letters.pdf", inline=True)
