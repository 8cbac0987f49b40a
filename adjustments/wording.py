"""What a request says about itself: in the ledger memo, on account notes, in lists.

Kept in one place so the journal, the account page and the reports describe the
same request in the same words.
"""

from __future__ import annotations

from typing import Any

from billing_site.common.money import format_money

from .choices import Direction, RequestKind, TransferOf
from .models import AdjustmentRequest


def who(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "system"


def summary(req: AdjustmentRequest, lines: list[Any] | None = None) -> str:
    """One line: what the request moves, e.g. ``credit $45.00 (Water $30.00, Sewer $15.00)``."""
    lines = lines if lines is not None else list(req.lines.select_related("service", "account"))
    total = format_money(req.amount.amount)
    if req.kind == RequestKind.ADJUSTMENT:
        verb = "credit" if req.direction == Direction.CREDIT else "debit"
        parts = ", ".join(f"{ln.service.name} {format_money(ln.amount.amount)}" for ln in lines)
        return f"{verb} {total} ({parts})"
    if req.kind == RequestKind.TRANSFER:
        assert req.account is not None and req.to_account is not None
        what = "balance owed" if req.transfer_of == TransferOf.BALANCE else "credit"
        return f"move {total} {what} from {req.account.number} to {req.to_account.number}"
    if req.kind == RequestKind.CONSOLIDATION:
        assert req.account is not None
        subs = ", ".join(f"{ln.account.number} {format_money(ln.amount.amount)}" for ln in lines)
        return f"move sub-account balances to master {req.account.number} ({subs})"
    return f"journal of {total} in debits and credits"


def ledger_memo(req: AdjustmentRequest) -> str:
    reason = f" ({req.reason.name})" if req.reason else ""
    return f"{req.get_kind_display()} request {req.number}{reason}: {req.memo}"[:500]


def ledger_source(req: AdjustmentRequest) -> str:
    return f"Adjustment request {req.number}"


def requested_note(req: AdjustmentRequest) -> str:
    reason = f" Reason: {req.reason.name}." if req.reason else ""
    return (
        f"{req.get_kind_display()} request {req.number} by {who(req.requested_by)}: "
        f"{summary(req)}.{reason} Memo: {req.memo} Waiting for approval."
    )


def approved_note(req: AdjustmentRequest) -> str:
    assert req.posting is not None
    return (
        f"{req.get_kind_display()} request {req.number} approved by {who(req.decided_by)} "
        f"and posted as ledger transaction #{req.posting.pk}: {summary(req)}."
    )


def rejected_note(req: AdjustmentRequest) -> str:
    return (
        f"{req.get_kind_display()} request {req.number} rejected by {who(req.decided_by)}: "
        f"{req.decision_note}"
    )


def withdrawn_note(req: AdjustmentRequest) -> str:
    return f"{req.get_kind_display()} request {req.number} withdrawn by {who(req.requested_by)}."


def reversed_note(req: AdjustmentRequest) -> str:
    assert req.reversal is not None and req.posting is not None
    return (
        f"{req.get_kind_display()} request {req.number} (ledger transaction #{req.posting.pk}) "
        f"reversed by {who(req.reversed_by)} as ledger transaction #{req.reversal.pk}: "
        f"{req.reversal_reason}"
    )
