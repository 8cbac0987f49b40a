"""Reads for refunds: what an account can be refunded, the queue, one refund, the register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from accounts.models import Account
from billing_site.common import approvals
from billing_site.common.approvals import ApprovalFlow, limit_from_table
from billing_site.common.money import ZERO
from ledger.selectors import deposit_held

from ..choices import RefundSource, RefundStatus
from ..models import ApprovalLimit, Refund, RefundExport

VIEW = "adjustments.view_refund"
_RELATED = ("account__customer", "requested_by", "decided_by", "posting", "export")


def refunds_qs() -> QuerySet[Refund]:
    return Refund.objects.select_related(*_RELATED)


def refund_for_user(pk: int, user: Any) -> Refund:
    """The refund, if ``user`` may see it: reviewers see all, requesters their own."""
    refund = get_object_or_404(refunds_qs(), pk=pk)
    if refund.requested_by_id != user.pk and not user.has_perm(VIEW):
        raise PermissionDenied("You can see only your own refund requests.")
    return refund


def refunds_waiting() -> QuerySet[Refund]:
    """Refunds waiting for approval, oldest first."""
    return refunds_qs().filter(status=RefundStatus.PENDING).order_by("requested_at", "number")


def refunds_to_export() -> QuerySet[Refund]:
    """Approved refunds not yet handed to accounts payable, by number."""
    return refunds_qs().filter(status=RefundStatus.APPROVED, export__isnull=True).order_by("number")


def recent_exports(limit: int = 50) -> QuerySet[RefundExport]:
    return RefundExport.objects.select_related("created_by", "document").order_by("-number")[:limit]


def refunds_of_account(account: Account) -> QuerySet[Refund]:
    return refunds_qs().filter(account=account).order_by("-number")


@dataclass(frozen=True)
class Refundable:
    """What can still be asked for: held (credit or deposit) less refunds already waiting."""

    held: Decimal
    waiting: Decimal

    @property
    def available(self) -> Decimal:
        return max(self.held - self.waiting, ZERO)


def refundable(account: Account, source: str = RefundSource.CREDIT) -> Refundable:
    held = -account.balance.amount if source == RefundSource.CREDIT else deposit_held(account.pk)
    waiting = (
        Refund.objects.filter(account=account, source=source, status=RefundStatus.PENDING)
        .aggregate(total=Sum("amount"))
        .get("total")
    )
    return Refundable(held=max(held, ZERO), waiting=waiting or ZERO)


class RefundApprovalRules(ApprovalFlow[Refund]):
    """The read side of the refunds' maker-checker flow: statuses, amount and limits.

    Limits are the adjustments' admin-editable ``ApprovalLimit`` rows; only roles
    holding ``adjustments.approve_refund`` (supervisors) approve at all.
    """

    approve_perm = "adjustments.approve_refund"
    plural = "refunds"
    pending = RefundStatus.PENDING
    approved = RefundStatus.APPROVED
    rejected = RefundStatus.REJECTED
    withdrawn = RefundStatus.WITHDRAWN
    lock_related = ("account__customer", "requested_by")

    def amount_of(self, subject: Refund) -> Decimal:
        return subject.amount.amount

    def limit_for(self, user: Any) -> Decimal | None:
        return limit_from_table(ApprovalLimit, user)


RULES = RefundApprovalRules()


_NOT_READ: Any = object()


def approval_refusal(refund: Refund, user: Any, *, limit: Decimal | None = _NOT_READ) -> str | None:
    """Why ``user`` may not approve ``refund`` now; a list passes ``limit`` (read once)."""
    if limit is _NOT_READ:
        return approvals.approval_refusal(flow=RULES, subject=refund, user=user)
    return approvals.approval_refusal(flow=RULES, subject=refund, user=user, limit=limit)


def rejection_refusal(refund: Refund, user: Any) -> str | None:
    return approvals.rejection_refusal(flow=RULES, subject=refund, user=user)


def register(
    *, date_from: date | None = None, date_to: date | None = None, status: str = ""
) -> QuerySet[Refund]:
    """The refund register: refunds requested in the date range, oldest first."""
    qs = refunds_qs()
    if date_from:
        qs = qs.filter(requested_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(requested_at__date__lte=date_to)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("requested_at", "number")
