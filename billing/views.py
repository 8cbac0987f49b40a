"""Billing pages: the rate page, the bill calculator, read imports and the exceptions
queue. Thin: permission, form, service (or selector), redirect."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Account
from billing_site.common.formflow import show_errors
from billing_site.common.idempotency import issue_token
from billing_site.common.pdf import pdf_response, render_pdf

from . import exception_actions, selectors
from .choices import ImportStatus
from .engine import Determinants, RateRefused
from .forms import ExceptionForm, QuoteForm, RateFileForm, ReadImportForm
from .models import ReadException, ReadImport, Route
from .services import rates as rate_services
from .services import reads as read_services
from .services.imports import read_import_start, read_import_task
from .tasks import read_import as read_import_job


@permission_required("billing.view_rateschedule", raise_exception=True)
def rates(request: HttpRequest) -> HttpResponse:
    shown = [(s, selectors.version_specs(s)) for s in selectors.schedules()]
    return render(request, "billing/rates.html", {"schedules": shown})


@permission_required("billing.quote_bill", raise_exception=True)
def quote(request: HttpRequest) -> HttpResponse:
    """GET only, writes nothing: what would this bill be?"""
    account = None
    if request.GET.get("account"):
        account = get_object_or_404(Account, pk=request.GET["account"])
    form = QuoteForm(
        request.GET if "days" in request.GET else None,
        account_id=account.pk if account else None,
        initial={"days": 30},
    )
    context: dict[str, Any] = {"form": form, "account": account}
    if form.is_bound and form.is_valid():
        try:
            context["quote"] = _quote(form.cleaned_data)
        except RateRefused as refused:
            form.add_error(None, str(refused))
    return render(request, "billing/quote.html", context)


def _quote(data: dict[str, Any]) -> Any:
    if data.get("agreement"):
        return selectors.quote_agreement(
            agreement=data["agreement"], start=data["start"], days=data["days"], usage=data["usage"]
        )
    usage = data["usage"]
    schedule = data["schedule"]
    determinants = Determinants(
        usage=usage,
        usage_by_service=dict.fromkeys(selectors.services_read_by(schedule.pk), usage)
        if usage is not None
        else {},
        dwelling_units=data["units"] if data["units"] is not None else 1,
        meter_size=data["meter_size"],
        eru=data["eru"],
        carts=data["carts"],
    )
    return selectors.quote_schedule(
        schedule=schedule, start=data["start"], days=data["days"], determinants=determinants
    )


@permission_required("billing.view_readexception", raise_exception=True)
def exceptions(request: HttpRequest) -> HttpResponse:
    queue = list(selectors.open_exceptions()[:200])
    context = {"exceptions": _with_actions(queue, request.user), "form": ExceptionForm()}
    return render(request, "billing/exceptions.html", context)


def _with_actions(queue: list[ReadException], user: Any) -> list[ReadException]:
    """Each exception with what higher apps offer on it (a re-read order), as ``actions``."""
    actions = exception_actions.actions_for(queue, user)
    for x in queue:
        x.actions = actions.get(x.pk, [])  # type: ignore[attr-defined]
    return queue


@require_POST
@permission_required("billing.resolve_readexception", raise_exception=True)
def exception_resolve(request: HttpRequest, exception_pk: int) -> HttpResponse:
    exception = get_object_or_404(ReadException, pk=exception_pk)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _resolve(exception, data, request.user)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, f"Exception for meter {exception.meter_number} resolved.")
            return redirect("billing:exceptions")
    queue = _with_actions(list(selectors.open_exceptions()[:200]), request.user)
    context = {
        "exceptions": queue,
        "form": ExceptionForm(),
        "failed": form,
        "failed_pk": exception_pk,
    }
    return render(request, "billing/exceptions.html", context, status=400)


def _resolve(exception: ReadException, data: dict[str, Any], user: Any) -> None:
    reason = data.get("reason") or ""
    if data["action"] == "accept":
        read_services.read_exception_accept(exception=exception, reason=reason, acting_user=user)
    elif data["action"] == "correct":
        read_services.read_exception_correct(
            exception=exception, reading=data["reading"], reason=reason, acting_user=user
        )
    else:
        read_services.read_exception_request_reread(
            exception=exception, reason=reason, acting_user=user
        )


@permission_required("billing.import_reads", raise_exception=True)
def read_import_upload(request: HttpRequest) -> HttpResponse:
    form = ReadImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            read_import, fresh = read_import_start(
                file_name=upload.name,
                data=upload.read(),
                format=form.cleaned_data["format"],
                acting_user=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            if fresh:
                _enqueue(read_import, request.user.pk)
            else:
                messages.info(request, "This file was imported before; nothing was stored again.")
            return redirect("billing:read_import", import_pk=read_import.pk)
    return render(request, "billing/read_import_upload.html", {"form": form})


def _enqueue(read_import: ReadImport, user_id: int) -> None:

    transaction.on_commit(lambda: read_import_job.enqueue(read_import.pk, user_id))


@permission_required("billing.view_readimport", raise_exception=True)
def read_import_detail(request: HttpRequest, import_pk: int) -> HttpResponse:
    read_import = get_object_or_404(ReadImport, pk=import_pk)
    task = read_import_task(read_import)
    poll = reverse("common:task_progress", args=[task.pk]) if task else ""
    context = {"read_import": read_import, "task": task, "task_poll": poll}
    if read_import.status == ImportStatus.DONE and request.user.has_perm("billing.post_billrun"):
        context["rebill_token"] = issue_token(
            user_id=request.user.pk, purpose="billing.rebill_estimates"
        )
    return render(request, "billing/read_import.html", context)


@permission_required("billing.view_route", raise_exception=True)
def route_sheet(request: HttpRequest, route_pk: int) -> HttpResponse:
    """The meter reader's sheet (PDF), rendered after the reads are fetched."""
    route = get_object_or_404(Route.objects.select_related("cycle"), pk=route_pk)
    context = {"route": route, "lines": selectors.route_lines(route.pk)}
    data = render_pdf(
        "billing/pdf/route_sheet.html", context, stylesheet="billing/pdf/route_sheet.css"
    )
    return pdf_response(data, f"route-{route.code}.pdf")


@permission_required("billing.view_route", raise_exception=True)
def route_file_download(request: HttpRequest, route_pk: int) -> HttpResponse:
    route = get_object_or_404(Route, pk=route_pk)
    response = HttpResponse(selectors.route_download(route), content_type="text/plain")
    response["Content-Disposition"] = f'attachment; filename="route-{route.code}.txt"'
    return response


@permission_required("billing.change_ratecomponent", raise_exception=True)
def rate_file(request: HttpRequest) -> HttpResponse:
    """Download the rates as a file; upload one, review its differences, then confirm."""
    if request.GET.get("download"):
        response = HttpResponse(selectors.rate_file_text(), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="rates.json"'
        return response
    form = RateFileForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            context.update(_rate_file_step(request, form))
        except ValidationError as error:
            show_errors(form, error)
        if context.get("applied") is not None:
            messages.success(request, f"Rate file applied: {len(context['applied'])} changes.")
            return redirect("billing:rates")
    return render(request, "billing/rate_file.html", context)


def _rate_file_step(request: HttpRequest, form: RateFileForm) -> dict[str, Any]:
    user = request.user
    upload = form.cleaned_data["file"]
    if upload is not None:  # step 1: preview
        text = upload.read().decode("utf-8-sig", errors="replace")
        preview = rate_services.rate_file_preview(text=text, acting_user=user)  # type: ignore[arg-type]
        # base64 in the form: a browser would turn the file's line ends into CRLF
        return {"preview": preview, "text": base64.b64encode(text.encode()).decode()}
    try:
        text = base64.b64decode(form.cleaned_data["text"], validate=True).decode()
    except ValueError:
        raise ValidationError("The reviewed file was lost; upload it again.") from None
    applied = rate_services.rate_file_apply(  # step 2: the confirmed file
        text=text,
        confirmed_digest=form.cleaned_data["digest"],
        acting_user=user,  # type: ignore[arg-type]
    )
    return {"applied": applied}
