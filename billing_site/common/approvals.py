"""Maker-checker approvals: one person asks, a second person decides.

The rules are written once here; an app plugs its request model in with a
small adapter, a subclass of :class:`ApprovalFlow` saying what amount a
request is for, which permission decides it, how large a request each user may
approve, and what happens on approval (adjustments post to the ledger; later
write-offs, refunds and payment-plan exceptions do their own work).

The rules:

* States: ``pending`` -> ``approved`` | ``rejected`` | ``withdrawn``. Only a
  pending request is decided; the requester alone withdraws it, and only while
  it is open (pending, or in the states the flow lists in ``withdrawable``).
* Nobody decides their own request (the subject's table should also hold a
  CHECK constraint saying so, as ``adjustments.AdjustmentRequest`` does).
* Approving needs the flow's permission and a limit at least the request's
  amount: :func:`role_limit` reads the limits of every role the user holds
  (admin-editable rows, or a settings mapping); no limit means no approval.
  The limit is read again inside the deciding transaction, so a lowered limit
  counts at once.
* A rejection says why; the reason is kept on the request.
* Every decision is taken with the request row locked (``select_for_update``),
  so two people deciding at once are served one at a time and the second sees
  the first's decision; history rows name the user and what was done.

What a subject must carry: ``status``, ``requested_by_id``, ``decided_by``,
``decided_at`` and ``decision_note`` (see :class:`ApprovalSubject`). Flows for
Django models get locking and saving (with a django-simple-history reason) from
the defaults; anything else overrides :meth:`ApprovalFlow.lock` and
:meth:`ApprovalFlow.save`.

Plugging in a new app (a write-off request, say)::

    class WriteOffApprovals(ApprovalFlow[WriteOff]):
        approve_perm = "collections_app.approve_writeoff"
        plural = "write-offs"
        pending, approved = WriteOffStatus.PENDING, WriteOffStatus.POSTED
        rejected, withdrawn = WriteOffStatus.REJECTED, WriteOffStatus.WITHDRAWN

        def amount_of(self, subject): return subject.amount.amount
        def limit_for(self, user): return limit_from_table(WriteOffLimit, user)
        def on_approve(self, subject, acting_user):
            subject.posting = post_write_off(...)
            return f"Approved; posted as transaction #{subject.posting.pk}"

    approve(flow=WRITE_OFFS, subject=write_off, acting_user=user)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from .cards import refuse_card_numbers
from .money import format_money
from .roles import require_perm

UNLIMITED = Decimal("Infinity")
REASON_MAX = 500


class ApprovalSubject(Protocol):
    """What the shared rules read and write on a request."""

    status: Any
    requested_by: Any
    decided_by: Any
    decided_at: Any
    decision_note: str

    @property
    def pk(self) -> Any: ...

    @property
    def requested_by_id(self) -> Any: ...


def _fields(subject: object) -> ApprovalSubject:
    """The subject as the rules see it (a Protocol bound on S trips django-stubs' plugin)."""
    return cast("ApprovalSubject", subject)


# -- limits ------------------------------------------------------------------------------


def role_limit(limits: Iterable[Decimal | None]) -> Decimal | None:
    """The largest amount allowed by the limits of a user's roles.

    ``None`` when the user holds no role with a limit (they approve nothing),
    :data:`UNLIMITED` when any of their roles has no upper limit (``None`` in
    ``limits``), else the highest cap.
    """
    found = list(limits)
    if not found:
        return None
    caps = [limit for limit in found if limit is not None]
    return UNLIMITED if len(caps) < len(found) else max(caps)


def limit_from_table(model: type[models.Model], user: Any) -> Decimal | None:
    """:func:`role_limit` over an admin-editable table with ``role`` and ``max_amount``."""
    manager = model._default_manager
    return role_limit(manager.filter(role__user=user).values_list("max_amount", flat=True))


def limit_from_roles(user: Any, caps: Mapping[str, Decimal | None]) -> Decimal | None:
    """:func:`role_limit` over a settings mapping of role name -> cap (None: no cap)."""
    roles = set(user.groups.values_list("name", flat=True))
    return role_limit(cap for role, cap in caps.items() if role in roles)


# -- the adapter -------------------------------------------------------------------------


class ApprovalFlow[S]:
    """How one kind of request plugs into maker-checker. Subclass and fill in."""

    approve_perm: str  # the permission that decides these requests
    plural = "requests"  # "Your role does not approve <plural>."
    pending: Any = "pending"
    approved: Any = "approved"
    rejected: Any = "rejected"
    withdrawn: Any = "withdrawn"
    withdrawable: tuple[Any, ...] = ()  # open states besides pending (a draft, say)
    lock_related: tuple[str, ...] = ()  # select_related for the locked row

    def amount_of(self, subject: S) -> Decimal:
        """What the approver's limit is compared with."""
        raise NotImplementedError

    def limit_for(self, user: Any) -> Decimal | None:
        """The largest request ``user`` may approve: None if none, ``UNLIMITED`` if no cap."""
        raise NotImplementedError

    def on_approve(self, subject: S, acting_user: User) -> str:
        """Do what approval means (post money ...); return the history reason.

        Runs inside the deciding transaction with the row locked; raise
        ``ValidationError`` to refuse, and nothing is kept.
        """
        return "Approved"

    def after(self, subject: S, *, event: str, previous: Any, acting_user: User) -> None:
        """After a decision is saved ("approved", "rejected", "withdrawn"): notes, mail."""

    def describe(self, subject: S) -> str:
        return str(subject)

    def status_label(self, subject: S) -> str:
        display = getattr(subject, "get_status_display", None)
        return str(display() if display else _fields(subject).status).lower()

    def lock(self, subject: S) -> S:
        """The subject's row under ``select_for_update``, read fresh."""
        model = cast("type[models.Model]", type(subject))
        qs = model._default_manager.select_for_update(of=("self",))
        if self.lock_related:
            qs = qs.select_related(*self.lock_related)
        return cast("S", qs.get(pk=_fields(subject).pk))

    def save(self, subject: S, *, acting_user: User, why: str) -> None:
        """Validate and save, leaving a history row naming ``acting_user`` and ``why``."""
        row = cast("models.Model", subject)
        row._history_user = acting_user  # type: ignore[attr-defined]
        row._change_reason = why  # type: ignore[attr-defined]
        row.full_clean()
        row.save()


# -- the rules ---------------------------------------------------------------------------

_NOT_READ: Any = object()


def approval_refusal[S](
    *, flow: ApprovalFlow[S], subject: S, user: Any, limit: Decimal | None = _NOT_READ
) -> str | None:
    """Why ``user`` may not approve ``subject`` right now, in plain words; None if they may.

    A list page passes ``limit`` (from ``flow.limit_for``, read once) so that
    checking each row costs no query.
    """
    if not user.has_perm(flow.approve_perm):
        return f"Your role does not approve {flow.plural}."
    rec = _fields(subject)
    if rec.status != flow.pending:
        label = flow.status_label(subject)
        return f"{flow.describe(subject)} is {label}; it cannot be approved."
    if rec.requested_by_id == user.pk:
        return "Nobody approves their own request: another approver must decide it."
    cap = flow.limit_for(user) if limit is _NOT_READ else limit
    if cap is None:
        return "Your role has no approval limit set, so you cannot approve requests."
    amount = flow.amount_of(subject)
    if amount > cap:
        return (
            f"{flow.describe(subject)} is for {format_money(amount)}; your approval limit is "
            f"{format_money(cap)}. Someone with a higher limit must approve it."
        )
    return None


def rejection_refusal[S](*, flow: ApprovalFlow[S], subject: S, user: Any) -> str | None:
    """Why ``user`` may not reject ``subject`` right now; None if they may (no limit applies:
    anyone who decides these requests may turn one down)."""
    if not user.has_perm(flow.approve_perm):
        return f"Your role does not approve {flow.plural}."
    rec = _fields(subject)
    if rec.status != flow.pending:
        return f"{flow.describe(subject)} is {flow.status_label(subject)}; it cannot be rejected."
    if rec.requested_by_id == user.pk:
        return "You cannot decide your own request; withdraw it instead."
    return None


def clean_reason(reason: str, *, field: str, ask: str) -> str:
    """The reason with its spaces tidied; a ``field`` error saying ``ask`` when empty."""
    text = " ".join((reason or "").split())
    refuse_card_numbers(**{field: text})
    if not text:
        raise ValidationError({field: ask})
    return text[:REASON_MAX]


@transaction.atomic
def submit[S](*, flow: ApprovalFlow[S], subject: S, acting_user: User, why: str = "Requested") -> S:
    """Put a new request in the queue in ``acting_user``'s name."""
    require_perm(acting_user)
    rec = _fields(subject)
    rec.requested_by = acting_user
    rec.status = flow.pending
    flow.save(subject, acting_user=acting_user, why=why)
    return subject


@transaction.atomic
def approve[S](*, flow: ApprovalFlow[S], subject: S, acting_user: User, note: str = "") -> S:
    """Approve and act in one transaction; refused unless the approver may, right now."""
    require_perm(acting_user, flow.approve_perm)
    refuse_card_numbers(note=note)  # the note is kept on the request
    locked = flow.lock(subject)
    rec = _fields(locked)
    refusal = approval_refusal(flow=flow, subject=locked, user=acting_user)
    if refusal:
        raise ValidationError(refusal)
    previous = rec.status
    why = flow.on_approve(locked, acting_user)
    rec.status = flow.approved
    rec.decided_by, rec.decided_at = acting_user, timezone.now()
    rec.decision_note = " ".join(note.split())[:REASON_MAX]
    flow.save(locked, acting_user=acting_user, why=why)
    flow.after(locked, event="approved", previous=previous, acting_user=acting_user)
    return locked


@transaction.atomic
def reject[S](*, flow: ApprovalFlow[S], subject: S, reason: str, acting_user: User) -> S:
    """Turn a request down, saying why; the reason stays on the request."""
    require_perm(acting_user, flow.approve_perm)
    locked = flow.lock(subject)
    rec = _fields(locked)
    refusal = rejection_refusal(flow=flow, subject=locked, user=acting_user)
    if refusal:
        raise ValidationError(refusal)
    previous = rec.status
    rec.decision_note = clean_reason(reason, field="reason", ask="Say why the request is rejected.")
    rec.status = flow.rejected
    rec.decided_by, rec.decided_at = acting_user, timezone.now()
    flow.save(locked, acting_user=acting_user, why=f"Rejected: {rec.decision_note}")
    flow.after(locked, event="rejected", previous=previous, acting_user=acting_user)
    return locked


@transaction.atomic
def withdraw[S](*, flow: ApprovalFlow[S], subject: S, acting_user: User) -> S:
    """The requester takes back a request nobody has decided yet (theirs alone to withdraw)."""
    require_perm(acting_user)  # an active user; ownership is checked below
    locked = flow.lock(subject)
    rec = _fields(locked)
    if rec.requested_by_id != acting_user.pk:
        raise ValidationError("Only the person who made a request can withdraw it.")
    if rec.status not in (flow.pending, *flow.withdrawable):
        label = flow.status_label(locked)
        raise ValidationError(f"{flow.describe(locked)} is {label}; it cannot be withdrawn.")
    previous = rec.status
    rec.status = flow.withdrawn
    flow.save(locked, acting_user=acting_user, why="Withdrawn")
    flow.after(locked, event="withdrawn", previous=previous, acting_user=acting_user)
    return locked
