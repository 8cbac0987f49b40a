"""GL adjustment drafts: write the journal lines, save, and submit once it balances."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from billing_site.common.cards import CardSafeFormSet
from billing_site.common.formflow import submit
from billing_site.common.money import ZERO

from .. import gl
from ..choices import RequestKind, RequestStatus
from ..forms import GLDraftForm, GLLineForm
from ..models import AdjustmentRequest

BLANK_ROWS = 3


def _line_formset(data: Any, initial: list[dict[str, Any]]) -> forms.BaseFormSet:
    extra = BLANK_ROWS if initial else BLANK_ROWS + 1
    formset_class = forms.formset_factory(
        GLLineForm,
        formset=CardSafeFormSet,
        extra=extra,
        max_num=40,
        absolute_max=40,
        validate_max=True,
    )
    return formset_class(data, initial=initial or None, prefix="lines")


def _initial_lines(draft: AdjustmentRequest | None) -> list[dict[str, Any]]:
    if draft is None:
        return []
    rows = []
    for line in draft.lines.select_related("gl_account"):
        amount = line.amount.amount
        rows.append(
            {
                "gl_account": line.gl_account,
                "debit": amount if amount > 0 else None,
                "credit": -amount if amount < 0 else None,
            }
        )
    return rows


def _typed_lines(formset: forms.BaseFormSet) -> list[gl.DraftLine]:
    return [
        gl.DraftLine(f.cleaned_data["gl_account"], f.signed_amount())
        for f in formset.forms
        if f.cleaned_data.get("gl_account") is not None and f.signed_amount() is not None
    ]


def _totals(lines: list[gl.DraftLine]) -> dict[str, Decimal]:
    debits = sum((ln.amount for ln in lines if ln.amount > 0), ZERO)
    credits = -sum((ln.amount for ln in lines if ln.amount < 0), ZERO)
    return {"debits": debits, "credits": credits, "difference": debits - credits}


@permission_required("adjustments.draft_gl_adjustment", raise_exception=True)
def gl_new(request: HttpRequest) -> HttpResponse:
    return _gl_page(request, draft=None)


@permission_required("adjustments.draft_gl_adjustment", raise_exception=True)
def gl_edit(request: HttpRequest, draft_pk: int) -> HttpResponse:
    draft = get_object_or_404(AdjustmentRequest, pk=draft_pk, kind=RequestKind.GL_ADJUSTMENT)
    if draft.status != RequestStatus.DRAFT or draft.requested_by_id != request.user.pk:
        # Submitted, or someone else's: only its drafter edits a draft; show it instead.
        messages.info(request, f"{draft} can be changed only by its drafter while a draft.")
        return redirect("adjustments:detail", request_pk=draft.pk)
    return _gl_page(request, draft=draft)


def _gl_page(request: HttpRequest, *, draft: AdjustmentRequest | None) -> HttpResponse:
    purpose = f"adjustments.gl.{draft.pk if draft else 'new'}"
    data = request.POST if request.method == "POST" else None
    form = GLDraftForm(data, initial={"memo": draft.memo} if draft else None)
    formset = _line_formset(data, _initial_lines(draft))
    valid = data is not None and form.is_valid() and formset.is_valid()
    lines: list[gl.DraftLine] = _typed_lines(formset) if valid else []
    to_approval = request.POST.get("action") == "submit"

    def act() -> str:
        req = gl.gl_draft_save(
            draft=draft, memo=form.cleaned_data["memo"], lines=lines, acting_user=request.user
        )
        if to_approval:
            gl.gl_draft_submit(draft=req, acting_user=request.user)
            return reverse("adjustments:detail", args=[req.pk])
        return reverse("adjustments:gl_edit", args=[req.pk])

    done = "Submitted for approval." if to_approval else "Draft saved."
    sent = submit(request, purpose=purpose, form=form, valid=valid, action=act, success=done)
    if sent.done:
        return sent.done
    if draft is not None and data is None:
        lines = [
            gl.DraftLine(r["gl_account"], r["debit"] or -r["credit"]) for r in _initial_lines(draft)
        ]
    context = {
        "draft": draft,
        "form": form,
        "formset": formset,
        "totals": _totals(lines),
        "token": sent.token,
    }
    return render(request, "adjustments/gl_form.html", context)
