"""Mail batches, lockbox uploads with a progress bar, and the exceptions queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing_site.common.formflow import Submitted, show_errors, submit, token_for
from billing_site.common.idempotency import issue_token
from ledger.selectors import open_business_day

from .. import services, tasks
from ..choices import BatchStatus, ItemStatus
from ..forms_batches import (
    BatchCancelForm,
    BatchCreateForm,
    LockboxForm,
    ResolveForm,
    StubForm,
)
from ..models import RemittanceBatch, RemittanceItem
from ..services.batches import batch_item_counts, batch_totals, lockbox_task

CREATE, STUB, POST, RESOLVE = (
    "payments.batch_create",
    "payments.batch_stub",
    "payments.batch_post",
    "payments.item_resolve",
)
MANAGE = "payments.manage_batches"


@permission_required("payments.view_remittancebatch", raise_exception=True)
def batches(request: HttpRequest) -> HttpResponse:
    """The batch list for whoever may read batches (auditors too); keying needs MANAGE."""
    if request.method == "POST" and not request.user.has_perm(MANAGE):
        raise PermissionDenied
    form = BatchCreateForm(request.POST or None)

    def create() -> str:
        batch = services.batch_create(
            control_count=form.cleaned_data["control_count"],
            control_total=form.cleaned_data["control_total"],
            acting_user=request.user,
        )
        return reverse("payments:batch", args=[batch.pk])

    sent = submit(request, purpose=CREATE, form=form, action=create)
    if sent.done:
        return sent.done
    return _batches_page(request, form=form, lockbox=LockboxForm(), token=sent.token)


def _batches_page(
    request: HttpRequest, *, form: BatchCreateForm, lockbox: LockboxForm, token: str
) -> HttpResponse:
    context = {
        "form": form,
        "lockbox": lockbox,
        "token": token,
        # Counts by row status in the same query: a lockbox batch with rows still
        # needing a person is not shown as plain "Posted".
        "batches": RemittanceBatch.objects.select_related("created_by")
        .annotate(
            n_posted=Count("items", filter=Q(items__status=ItemStatus.POSTED)),
            n_exceptions=Count("items", filter=Q(items__status=ItemStatus.EXCEPTION)),
            n_rejected=Count("items", filter=Q(items__status=ItemStatus.REJECTED)),
        )
        .order_by("-number")[:50],  # a GROUP BY query leaves out the model's ordering
        "exceptions": RemittanceItem.objects.filter(status=ItemStatus.EXCEPTION).count(),
    }
    bad = form.errors or lockbox.errors
    return render(request, "payments/batches.html", context, status=400 if bad else 200)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def lockbox_upload(request: HttpRequest) -> HttpResponse:
    lockbox = LockboxForm(request.POST, request.FILES)
    if lockbox.is_valid():
        upload = lockbox.cleaned_data["file"]
        try:
            batch = services.lockbox_import(
                file_name=upload.name, data=upload.read(), acting_user=request.user
            )
        except ValidationError as refused:
            show_errors(lockbox, refused)
        else:
            tasks.lockbox_post.enqueue(batch.pk, request.user.pk)
            return redirect("payments:batch", batch.pk)
    token = token_for(request, CREATE)
    return _batches_page(request, form=BatchCreateForm(), lockbox=lockbox, token=token)


@permission_required("payments.view_remittancebatch", raise_exception=True)
def batch(
    request: HttpRequest,
    batch_pk: int,
    stub: StubForm | None = None,
    sent: Submitted | None = None,
    posted: str = "",
    edit: StubForm | None = None,
    cancel: BatchCancelForm | None = None,
) -> HttpResponse:
    """The batch page; after a refused POST, ``posted`` names the form that was sent.

    Only that form gets the posted token back (``sent.token``): the page's other
    form needs a token of its own purpose, or its next submission is refused as
    not issued.
    """
    found = get_object_or_404(RemittanceBatch.objects.select_related("created_by"), pk=batch_pk)
    count, total = batch_totals(found)

    error = sent.error if sent else None

    def token(purpose: str) -> str:
        if purpose == posted and sent is not None:
            return sent.token
        return issue_token(user_id=request.user.pk, purpose=purpose)

    editing = _editing(request, found, edit)
    stub = stub or StubForm()
    edit = edit or StubForm(prefix="edit", initial=_stub_initial(editing))
    cancel = cancel or BatchCancelForm()
    if cancel.errors:
        cancel.fields["reason"].widget.attrs["autofocus"] = True
    else:
        _focus(edit if editing else stub)
    context = {
        "batch": found,
        "items": found.items.select_related("account__customer"),
        "editing": editing,
        "edit": edit,
        "cancel": cancel,
        "counts": batch_item_counts(found),
        "keyed_count": count,
        "keyed_total": total,
        "stub": stub,
        "stub_token": token(STUB),
        "post_token": token(POST),
        # A refused stub shows its message in the stub form; this box is the batch's.
        "error": getattr(error, "messages", None) if posted != STUB else None,
        "business_date": getattr(open_business_day(), "date", None),
        "task": lockbox_task(found),
    }
    bad = bool(error) or any(f is not None and f.errors for f in (stub, edit, cancel))
    return render(request, "payments/batch.html", context, status=400 if bad else 200)


def _editing(
    request: HttpRequest, found: RemittanceBatch, edit: StubForm | None
) -> RemittanceItem | None:
    """The pending stub being corrected in place (``?edit=<item>``, or the one just sent)."""
    wanted = request.POST.get("item") if edit is not None else request.GET.get("edit")
    if not (wanted or "").isdigit() or found.status != BatchStatus.OPEN:
        return None
    return found.items.filter(pk=int(wanted or 0), status=ItemStatus.PENDING).first()


def _focus(form: StubForm) -> None:
    """Keying is keyboard first: the page opens in the first field in error, else the account."""
    name = next((n for n in form.fields if n in form.errors), "account")
    form.fields[name].widget.attrs["autofocus"] = True


def _stub_initial(item: RemittanceItem | None) -> dict[str, str]:
    if item is None:
        return {}
    return {
        "account": item.account_text,
        "amount": str(item.amount.amount),
        "check_number": item.check_number,
    }


@permission_required("payments.view_remittancebatch", raise_exception=True)
def batch_progress(request: HttpRequest, batch_pk: int) -> HttpResponse:
    """The progress bar partial; htmx polls it while the batch imports."""
    found = get_object_or_404(RemittanceBatch, pk=batch_pk)
    context = {"batch": found, "task": lockbox_task(found)}
    response = render(request, "payments/partials/_progress.html", context)
    if request.htmx and found.status != BatchStatus.IMPORTING:
        response["HX-Refresh"] = "true"  # done: reload the page with its rows
    return response


@require_POST
@permission_required(MANAGE, raise_exception=True)
def batch_retry(request: HttpRequest, batch_pk: int) -> HttpResponse:
    found = get_object_or_404(RemittanceBatch, pk=batch_pk, status=BatchStatus.IMPORTING)
    tasks.lockbox_post.enqueue(found.pk, request.user.pk)
    messages.info(request, "The import was queued again; rows already posted stay posted.")
    return redirect("payments:batch", found.pk)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def batch_item_add(request: HttpRequest, batch_pk: int) -> HttpResponse:
    found = get_object_or_404(RemittanceBatch, pk=batch_pk)
    stub = StubForm(request.POST)

    def add() -> str:
        services.batch_add_item(
            batch=found,
            account_text=stub.cleaned_data["account"],
            amount=stub.cleaned_data["amount"],
            check_number=stub.cleaned_data["check_number"],
            acting_user=request.user,
        )
        return reverse("payments:batch", args=[found.pk])

    sent = submit(request, purpose=STUB, form=stub, action=add)
    return sent.done or batch(request, found.pk, stub=stub, sent=sent, posted=STUB)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def batch_item_edit(request: HttpRequest, item_pk: int) -> HttpResponse:
    """Save a corrected stub; refused input comes back in the row, as typed."""
    item = get_object_or_404(RemittanceItem.objects.select_related("batch"), pk=item_pk)
    edit = StubForm(request.POST, prefix="edit")
    if edit.is_valid():
        try:
            services.batch_edit_item(
                item=item,
                account_text=edit.cleaned_data["account"],
                amount=edit.cleaned_data["amount"],
                check_number=edit.cleaned_data["check_number"],
                acting_user=request.user,
            )
        except ValidationError as refused:
            show_errors(edit, refused)
        else:
            messages.success(request, f"Line {item.line_number} corrected.")
            return redirect("payments:batch", item.batch_id)
    return batch(request, item.batch_id, edit=edit)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def batch_cancel(request: HttpRequest, batch_pk: int) -> HttpResponse:
    found = get_object_or_404(RemittanceBatch, pk=batch_pk)
    cancel = BatchCancelForm(request.POST)
    if cancel.is_valid():
        try:
            services.batch_cancel(
                batch=found, reason=cancel.cleaned_data["reason"], acting_user=request.user
            )
        except ValidationError as refused:
            show_errors(cancel, refused)
        else:
            messages.success(request, f"Batch {found.number} is cancelled; nothing was posted.")
            return redirect("payments:batch", found.pk)
    return batch(request, found.pk, cancel=cancel)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def batch_item_remove(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = get_object_or_404(RemittanceItem.objects.select_related("batch"), pk=item_pk)
    try:
        services.batch_remove_item(item=item, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("payments:batch", item.batch_id)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def batch_post(request: HttpRequest, batch_pk: int) -> HttpResponse:
    found = get_object_or_404(RemittanceBatch, pk=batch_pk)

    def post() -> str:
        services.batch_post(batch=found, acting_user=request.user)
        return reverse("payments:batch", args=[found.pk])

    sent = submit(request, purpose=POST, action=post, success=f"Batch {found.number} is posted.")
    return sent.done or batch(request, found.pk, sent=sent, posted=POST)


@permission_required(MANAGE, raise_exception=True)
def exceptions(
    request: HttpRequest,
    form: ResolveForm | None = None,
    item_pk: int | None = None,
    sent: Submitted | None = None,
) -> HttpResponse:
    items = RemittanceItem.objects.filter(status=ItemStatus.EXCEPTION).select_related(
        "batch", "account__customer", "account__premise"
    )
    wanted = request.GET.get("batch", "")
    only = RemittanceBatch.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if only is not None:
        items = items.filter(batch=only)
    context = {
        "only": only,
        "items": items.order_by("batch__number", "line_number")[:200],
        "overpay": bool(form and form.overpaying),
        "form": form,
        "form_item": item_pk,
        "token": sent.token if sent else token_for(request, RESOLVE),
    }
    return render(request, "payments/exceptions.html", context, status=400 if form else 200)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def item_resolve(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = get_object_or_404(RemittanceItem, pk=item_pk)
    # Ids per row: the queue has one form per item, and errors point at this row's fields.
    form = ResolveForm(request.POST, auto_id=f"item{item.pk}-%s")

    def resolve() -> str:
        if form.cleaned_data["action"] == "post":
            warning = form.overpayment_warning(item.amount.amount)
            if warning:  # shown next to the account, with "Post it anyway"; nothing posted
                raise ValidationError({"account": warning})
            target = form.target_account()
            services.item_post_to(item=item, account=target, acting_user=request.user)
            messages.success(
                request,
                f"{item.label.capitalize()} posted to {target.number} "
                f"({target.customer.display_name}).",
            )
        else:
            services.item_reject(
                item=item, reason=form.cleaned_data["reason"], acting_user=request.user
            )
            messages.success(request, f"{item.label.capitalize()} rejected.")
        return reverse("payments:exceptions")

    sent = submit(request, purpose=RESOLVE, form=form, action=resolve)
    return sent.done or exceptions(request, form=form, item_pk=item.pk, sent=sent)
