"""Reads for adjustments: the approval queue, a requester's own requests, who may
approve what, the master-account consolidation view and the report rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Account
from billing_site.common import approvals
from billing_site.common.approvals import UNLIMITED as UNLIMITED  # re-exported
from billing_site.common.approvals import ApprovalFlow, limit_from_table
from billing_site.common.money import ZERO
from ledger.selectors import AGING_BUCKETS, aging_many, open_business_day

from .choices import RequestKind, RequestStatus
from .models import AdjustmentReason, AdjustmentRequest, ApprovalLimit

_RELATED = (
    "account__customer",
    "to_account__customer",
    "reason",
    "requested_by",
    "decided_by",
    "reversed_by",
    "posting",
    "reversal",
)


def requests_qs() -> QuerySet[AdjustmentRequest]:
    return AdjustmentRequest.objects.select_related(*_RELATED)


def request_lines(req: AdjustmentRequest) -> list[Any]:
    return list(req.lines.select_related("service", "account__customer", "gl_account"))


def pending_queue() -> QuerySet[AdjustmentRequest]:
    """Requests waiting for approval, oldest first."""
    return requests_qs().filter(status=RequestStatus.PENDING).order_by("submitted_at", "number")


def my_requests(user: Any) -> QuerySet[AdjustmentRequest]:
    return requests_qs().filter(requested_by=user).order_by("-number")


def request_for_user(pk: int, user: Any) -> AdjustmentRequest:
    """The request, if ``user`` may see it: reviewers see all, requesters their own."""
    req = get_object_or_404(requests_qs(), pk=pk)
    if req.requested_by_id != user.pk and not user.has_perm("adjustments.view_adjustmentrequest"):
        raise PermissionDenied("You can see only your own requests.")
    return req


class AdjustmentApprovalRules(ApprovalFlow[AdjustmentRequest]):
    """The read side of the adjustments' maker-checker flow (``billing_site.common.approvals``):
    statuses, amount and limits. ``adjustments.services`` adds what approval does."""

    approve_perm = "adjustments.approve_request"
    plural = "adjustments"
    pending = RequestStatus.PENDING
    approved = RequestStatus.POSTED
    rejected = RequestStatus.REJECTED
    withdrawn = RequestStatus.WITHDRAWN
    withdrawable = (RequestStatus.DRAFT,)
    lock_related = ("account", "to_account", "reason__offset_gl", "requested_by")

    def amount_of(self, subject: AdjustmentRequest) -> Decimal:
        return subject.amount.amount

    def limit_for(self, user: Any) -> Decimal | None:
        return approval_limit_for(user)


RULES = AdjustmentApprovalRules()


def approval_limit_for(user: Any) -> Decimal | None:
    """The largest request ``user`` may approve: None if none, ``UNLIMITED`` if no cap."""
    return limit_from_table(ApprovalLimit, user)


_NOT_READ: Any = object()


def approval_refusal(
    req: AdjustmentRequest, user: Any, *, limit: Decimal | None = _NOT_READ
) -> str | None:
    """Why ``user`` may not approve ``req`` right now, in plain words; None if they may.

    A list page passes ``limit`` (from :func:`approval_limit_for`, read once) so
    checking each row costs no query.
    """
    if limit is _NOT_READ:
        return approvals.approval_refusal(flow=RULES, subject=req, user=user)
    return approvals.approval_refusal(flow=RULES, subject=req, user=user, limit=limit)


def rejection_refusal(req: AdjustmentRequest, user: Any) -> str | None:
    """Why ``user`` may not reject ``req`` right now, in plain words; None if they may."""
    return approvals.rejection_refusal(flow=RULES, subject=req, user=user)


# -- master accounts ----------------------------------------------------------------


@dataclass(frozen=True)
class SubAccountRow:
    account: Account
    balance: Decimal
    aging: dict[str, Decimal]


@dataclass
class Consolidation:
    master: Account
    as_of: date
    rows: list[SubAccountRow]
    totals: dict[str, Decimal] = field(default_factory=dict)
    total_balance: Decimal = ZERO
    pending: AdjustmentRequest | None = None


def business_or_calendar_date() -> date:
    day = open_business_day()
    return day.date if day else timezone.localdate()


def master_accounts() -> QuerySet[Account]:
    return Account.objects.filter(is_master=True).select_related("customer", "premise")


def consolidation_view(master: Account, *, as_of: date | None = None) -> Consolidation:
    """Each sub-account's balance and aging, with totals, for the master-account page."""
    when = as_of or business_or_calendar_date()
    subs = list(master.sub_accounts.select_related("customer", "premise").order_by("number"))
    view = Consolidation(master=master, as_of=when, rows=[])
    view.totals = {label: ZERO for _days, label in AGING_BUCKETS}
    by_sub = aging_many([sub.pk for sub in subs], as_of=when)
    for sub in subs:
        buckets = by_sub[sub.pk]
        view.rows.append(SubAccountRow(sub, sub.balance.amount, buckets))
        view.total_balance += sub.balance.amount
        for label, amount in buckets.items():
            view.totals[label] += amount
    view.pending = pending_consolidation(master)
    return view


def pending_consolidation(master: Account) -> AdjustmentRequest | None:
    return (
        AdjustmentRequest.objects.filter(
            kind=RequestKind.CONSOLIDATION, account=master, status=RequestStatus.PENDING
        )
        .order_by("number")
        .first()
    )


# -- reports -------------------------------------------------------------------------


def register(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    reason: AdjustmentReason | None = None,
    requested_by: Any = None,
    status: str = "",
    kind: str = "",
) -> QuerySet[AdjustmentRequest]:
    """The adjustments register: requests made in the date range, filtered, oldest first."""
    qs = requests_qs().exclude(status=RequestStatus.DRAFT)
    if date_from:
        qs = qs.filter(requested_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(requested_at__date__lte=date_to)
    if reason is not None:
        qs = qs.filter(reason=reason)
    if requested_by is not None:
        qs = qs.filter(requested_by=requested_by)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("requested_at", "number")


AGE_BANDS = ((1, "Today or yesterday"), (7, "2 to 7 days"), (30, "8 to 30 days"), (None, "Older"))


@dataclass(frozen=True)
class PendingRow:
    request: AdjustmentRequest
    age_days: int
    band: str


def pending_by_age(*, now: datetime | None = None) -> list[PendingRow]:
    """Requests waiting for approval, oldest first, with their age in whole days."""
    today = timezone.localdate(now or timezone.now())
    rows = []
    for req in pending_queue():
        submitted = timezone.localdate(req.submitted_at or req.requested_at)
        days = (today - submitted).days
        rows.append(PendingRow(req, days, age_band(days)))
    return rows


def age_band(days: int) -> str:
    for limit, label in AGE_BANDS:
        if limit is None or days <= limit:
            return label
    return AGE_BANDS[-1][1]
