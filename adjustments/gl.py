"""GL adjustments: a journal between GL accounts (no customer account), drafted,
balanced, submitted, and posted only when a second person approves it.

A draft may be saved out of balance while it is being worked on; it cannot be
submitted until debits equal credits. Only the person who drafted it edits it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from billing_site.common.money import CURRENCY, ZERO, format_money
from billing_site.common.roles import require_perm
from ledger.choices import CUSTOMER_ROLES
from ledger.models import GLAccount

from .choices import RequestKind, RequestStatus
from .models import AdjustmentLine, AdjustmentRequest
from .services import checked_amount, clean_memo, new_request, save


@dataclass(frozen=True)
class DraftLine:
    """One typed line: a GL account and a signed amount (debit +, credit -)."""

    gl_account: GLAccount
    amount: Decimal


def balance_problem(lines: Sequence[DraftLine]) -> str | None:
    """Why the journal cannot be submitted yet, or None when it balances."""
    if len(lines) < 2:
        return "A journal needs at least two lines."
    debits = sum((ln.amount for ln in lines if ln.amount > 0), ZERO)
    credits = -sum((ln.amount for ln in lines if ln.amount < 0), ZERO)
    if debits != credits:
        return (
            f"Debits {format_money(debits)} and credits {format_money(credits)} differ by "
            f"{format_money(abs(debits - credits))}. A journal must balance before it is submitted."
        )
    return None


def _check_lines(lines: Sequence[DraftLine]) -> None:
    for index, line in enumerate(lines):
        gl = line.gl_account
        if gl.role in CUSTOMER_ROLES or not gl.is_active:
            raise ValidationError(
                f"Line {index + 1}: {gl} cannot take a GL adjustment; "
                "customer balances change only through adjustments."
            )
        checked_amount(abs(line.amount), field="__all__", what=f"Line {index + 1}")


def _owned_draft(draft: AdjustmentRequest, acting_user: User) -> AdjustmentRequest:
    locked = AdjustmentRequest.objects.select_for_update().get(pk=draft.pk)
    if locked.kind != RequestKind.GL_ADJUSTMENT or locked.status != RequestStatus.DRAFT:
        raise ValidationError(f"{locked} is not a GL adjustment draft.")
    if locked.requested_by_id != acting_user.pk:
        raise ValidationError("Only the person who drafted a journal can change it.")
    return locked


@transaction.atomic
def gl_draft_save(
    *,
    draft: AdjustmentRequest | None,
    memo: str,
    lines: Sequence[DraftLine],
    acting_user: User,
) -> AdjustmentRequest:
    """Create or replace a GL adjustment draft; it need not balance yet."""
    require_perm(acting_user, "adjustments.draft_gl_adjustment")
    _check_lines(lines)
    debits = sum((ln.amount for ln in lines if ln.amount > 0), ZERO)
    if draft is None:
        req = new_request(
            acting_user=acting_user,
            kind=RequestKind.GL_ADJUSTMENT,
            status=RequestStatus.DRAFT,
            memo=clean_memo(memo),
        )
    else:
        req = _owned_draft(draft, acting_user)
        req.memo = clean_memo(memo)
        req.lines.all().delete()
    req.amount = Money(debits, CURRENCY)
    save(req, acting_user=acting_user, why="Draft saved")
    AdjustmentLine.objects.bulk_create(
        [
            AdjustmentLine(request=req, gl_account=ln.gl_account, amount=Money(ln.amount, CURRENCY))
            for ln in lines
        ]
    )
    return req


@transaction.atomic
def gl_draft_submit(*, draft: AdjustmentRequest, acting_user: User) -> AdjustmentRequest:
    """Send a balanced draft to the approval queue."""
    require_perm(acting_user, "adjustments.draft_gl_adjustment")
    req = _owned_draft(draft, acting_user)
    lines = [
        DraftLine(ln.gl_account, ln.amount.amount)
        for ln in req.lines.select_related("gl_account")
        if ln.gl_account is not None
    ]
    problem = balance_problem(lines)
    if problem:
        raise ValidationError(problem)
    req.status = RequestStatus.PENDING
    req.submitted_at = timezone.now()
    save(req, acting_user=acting_user, why="Submitted for approval")
    return req
