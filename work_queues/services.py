"""Every write to work items: the sync of system items, follow-ups, taking, assigning,
finishing and cancelling. Each takes the acting user (None only for the system's sync)
and leaves a history row naming who and why.

The sync (:func:`work_items_sync`) is idempotent under concurrency: new items go in with
``INSERT ... ON CONFLICT (kind, source_key) DO NOTHING`` against the one-item-per-cause
constraint, and items to close are locked (``select_for_update``) and re-checked, so two
syncs racing open and close each item once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.roles import require_perm

from .choices import OPEN_STATUSES, ItemStatus, Priority
from .kinds import FOLLOWUP, KINDS, SYSTEM_KINDS
from .models import WorkItem
from .sources import SOURCES, Cause

VIEW_PERM = "work_queues.view_workitem"
ASSIGN_PERM = "work_queues.assign_workitem"
FOLLOWUP_PERM = "work_queues.add_followup"


@dataclass
class SyncResult:
    opened: int = 0
    closed: int = 0
    reopened: int = 0

    def __iadd__(self, other: SyncResult) -> SyncResult:
        self.opened += other.opened
        self.closed += other.closed
        self.reopened += other.reopened
        return self


def work_items_sync(
    *, kind: str | None = None, keys: list[str] | None = None, acting_user: User | None = None
) -> SyncResult:
    """Open the items of causes that have none, close those whose cause is gone.

    ``kind`` None: every system kind; ``keys`` None: every cause of the kind. Each kind
    is its own transaction. Items a person closed stay closed; items the owning app's
    work closed open again if their cause comes back (a bill recalculated into error).
    """
    result = SyncResult()
    for code in [kind] if kind else SYSTEM_KINDS:
        result += _sync_kind(code, keys, acting_user)
    return result


@transaction.atomic
def _sync_kind(code: str, keys: list[str] | None, acting_user: User | None) -> SyncResult:
    causes = SOURCES[code].causes(keys)
    scope = WorkItem.objects.filter(kind=code)
    if keys is not None:
        scope = scope.filter(source_key__in=keys)
    known = {
        key: (pk, status, closed_in)
        for pk, key, status, closed_in in scope.filter(
            Q(status__in=OPEN_STATUSES) | Q(source_key__in=list(causes))
        ).values_list("pk", "source_key", "status", "closed_in")
    }
    result = SyncResult()
    result.opened = _insert(code, [c for k, c in causes.items() if k not in known])
    gone = [pk for key, (pk, st, _) in known.items() if st in OPEN_STATUSES and key not in causes]
    result.closed = _close_gone(code, gone)
    back = [
        pk
        for key, (pk, st, closed_in) in known.items()
        if st == ItemStatus.DONE and closed_in and key in causes
    ]
    result.reopened = _reopen(back)
    return result


INSERT = """
INSERT INTO work_queues_workitem
       (kind, source_key, account_id, why, priority, due_on, assigned_group_id, status,
        created_at, closed_in, close_note)
SELECT %s, v.key, v.account_id, v.why, v.priority, v.due_on, %s, 'open', now(), '', ''
  FROM unnest(%s::varchar[], %s::bigint[], %s::varchar[], %s::smallint[], %s::date[])
       AS v(key, account_id, why, priority, due_on)
ON CONFLICT (kind, source_key) DO NOTHING
RETURNING id
"""


def _insert(code: str, causes: list[Cause]) -> int:
    if not causes:
        return 0
    queue = Group.objects.filter(name=KINDS[code].queue).values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [
                code,
                queue,
                [c.key for c in causes],
                [c.account_id for c in causes],
                [c.why[:500] for c in causes],
                [c.priority for c in causes],
                [c.due_on for c in causes],
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    made = list(WorkItem.objects.filter(pk__in=ids))
    for item in made:
        item._change_reason = f"opened: {item.why}"[:100]  # type: ignore[attr-defined]
    WorkItem.history.bulk_history_create(made)
    return len(made)


def _close_gone(code: str, pks: list[int]) -> int:
    if not pks:
        return 0
    items = list(WorkItem.objects.select_for_update().filter(pk__in=pks, status__in=OPEN_STATUSES))
    if not items:
        return 0
    app = KINDS[code].app
    closings = SOURCES[code].closings([i.source_key or "" for i in items])
    now = timezone.now()
    for item in items:
        closing = closings.get(item.source_key or "")
        item.status, item.closed_at, item.closed_in = ItemStatus.DONE, now, app
        item.closed_by_id = closing.user_id if closing else None
        item.close_note = (closing.note if closing else f"done in {app}")[:500]
        item._change_reason = item.close_note[:100]  # type: ignore[attr-defined]
        if item.closed_by_id:
            item._history_user = User(pk=item.closed_by_id)  # type: ignore[attr-defined]
    fields = ["status", "closed_at", "closed_in", "closed_by", "close_note"]
    WorkItem.objects.bulk_update(items, fields)
    WorkItem.history.bulk_history_create(items, update=True)
    return len(items)


def _reopen(pks: list[int]) -> int:
    if not pks:
        return 0
    items = list(WorkItem.objects.select_for_update().filter(pk__in=pks, status=ItemStatus.DONE))
    for item in items:
        item.status, item.closed_at, item.closed_by_id = ItemStatus.OPEN, None, None
        item.close_note, item.closed_in = "", ""
        item._change_reason = "opened again: its cause is back"  # type: ignore[attr-defined]
    fields = ["status", "closed_at", "closed_in", "closed_by", "close_note"]
    WorkItem.objects.bulk_update(items, fields)
    WorkItem.history.bulk_history_create(items, update=True)
    return len(items)


# -- who may work what --------------------------------------------------------------


def group_perms(groups: Iterable[Group]) -> dict[int, set[str]]:
    """Each group's permissions as ``app_label.codename`` (one query)."""
    found: dict[int, set[str]] = {g.pk: set() for g in groups}
    rows = Group.permissions.through.objects.filter(group_id__in=list(found)).values_list(
        "group_id", "permission__content_type__app_label", "permission__codename"
    )
    for group_id, app_label, codename in rows:
        found[group_id].add(f"{app_label}.{codename}")
    return found


def can_work(*, kind: str, user: Any = None, perms: set[str] | None = None) -> bool:
    """May this user (or a queue with ``perms``) work items of ``kind``?"""
    perm = KINDS[kind].perm
    if user is not None:
        return bool(user.is_active and user.has_perm(perm))
    return perms is not None and perm in perms


def _save(item: WorkItem, *, acting_user: User, why: str) -> None:
    item._history_user = acting_user  # type: ignore[attr-defined]
    item._change_reason = why[:100]  # type: ignore[attr-defined]
    item.full_clean()
    item.save()


def _mine_or_queue(item: WorkItem, user: User) -> bool:
    if item.assigned_user_id == user.pk:
        return True
    return item.assigned_group_id is not None and any(
        g.pk == item.assigned_group_id for g in user.groups.all()
    )


# -- follow-ups and a person's own work -----------------------------------------------


@transaction.atomic
def followup_add(
    *,
    account: Account,
    why: str,
    due_on: dt.date | None,
    acting_user: User,
    assigned_user: User | None = None,
    assigned_group: Group | None = None,
    priority: int = Priority.NORMAL,
) -> WorkItem:
    """A follow-up on an account ("call back Tuesday about the leak adjustment")."""
    require_perm(acting_user, VIEW_PERM, FOLLOWUP_PERM)
    refuse_card_numbers(why=why)
    if assigned_user is None and assigned_group is None:
        assigned_user = acting_user
    _check_assignee(FOLLOWUP, assigned_user, assigned_group)
    item = WorkItem(
        kind=FOLLOWUP, account=account, why=why, due_on=due_on, priority=priority,
        assigned_user=assigned_user, assigned_group=assigned_group, created_by=acting_user,
    )  # fmt: skip
    _save(item, acting_user=acting_user, why=f"follow-up added: {why}")
    return item


@transaction.atomic
def item_take(*, item: WorkItem, acting_user: User) -> WorkItem:
    """Take an item from one of my roles' shared queues: it is mine, in progress."""
    require_perm(acting_user, VIEW_PERM)
    locked = WorkItem.objects.select_for_update().get(pk=item.pk)
    if not locked.is_open:
        raise ValidationError("This item is already closed.")
    if locked.assigned_group_id is None or not _mine_or_queue(locked, acting_user):
        raise ValidationError("Only items in one of your queues can be taken.")
    if not can_work(kind=locked.kind, user=acting_user):
        raise PermissionDenied("Your roles cannot work this kind of item.")
    locked.assigned_user, locked.assigned_group = acting_user, None
    locked.status = ItemStatus.IN_PROGRESS
    _save(locked, acting_user=acting_user, why=f"taken by {acting_user.username}")
    return locked


def _closable(item: WorkItem, acting_user: User) -> None:
    kind = KINDS[item.kind]
    if not item.is_open:
        raise ValidationError("This item is already closed.")
    if not kind.manual_close:
        raise ValidationError(
            f"This item closes itself when the work is done in {kind.app}: open it and do it there."
        )
    assigner = acting_user.has_perm(ASSIGN_PERM)
    if not (_mine_or_queue(item, acting_user) or assigner or item.created_by_id == acting_user.pk):
        raise PermissionDenied("This item is someone else's.")


@transaction.atomic
def item_done(*, item: WorkItem, note: str = "", acting_user: User) -> WorkItem:
    """Mark a follow-up (or a kind no app resolves, such as a returned payment) done."""
    require_perm(acting_user, VIEW_PERM)
    refuse_card_numbers(note=note)
    locked = WorkItem.objects.select_for_update().get(pk=item.pk)
    _closable(locked, acting_user)
    locked.status, locked.closed_at, locked.closed_by = ItemStatus.DONE, timezone.now(), acting_user
    locked.close_note, locked.closed_in = note or f"done by {acting_user.username}", ""
    _save(locked, acting_user=acting_user, why=locked.close_note)
    return locked


@transaction.atomic
def item_cancel(*, item: WorkItem, reason: str, acting_user: User) -> WorkItem:
    """Cancel an item with a reason: follow-ups by their people, any item by an assigner."""
    require_perm(acting_user, VIEW_PERM)
    refuse_card_numbers(reason=reason)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the item is cancelled."})
    locked = WorkItem.objects.select_for_update().get(pk=item.pk)
    if not locked.is_open:
        raise ValidationError("This item is already closed.")
    allowed = acting_user.has_perm(ASSIGN_PERM) or (
        locked.kind == FOLLOWUP
        and (_mine_or_queue(locked, acting_user) or locked.created_by_id == acting_user.pk)
    )
    if not allowed:
        raise PermissionDenied("Only an assigner cancels this item.")
    locked.status, locked.closed_at, locked.closed_by = (
        ItemStatus.CANCELLED, timezone.now(), acting_user,
    )  # fmt: skip
    locked.close_note, locked.closed_in = reason.strip(), ""
    _save(locked, acting_user=acting_user, why=f"cancelled: {reason}")
    return locked


# -- assigning ------------------------------------------------------------------------


def _check_assignee(kind: str, user: User | None, group: Group | None) -> None:
    if user is not None and not can_work(kind=kind, user=user):
        raise ValidationError(
            {"assignee": f"{user.get_full_name() or user.username} cannot work "
             f"{KINDS[kind].label.lower()} items (their roles do not allow it)."}
        )  # fmt: skip
    if group is not None and not can_work(kind=kind, perms=group_perms([group])[group.pk]):
        raise ValidationError(
            {"assignee": f"The {group.name} queue cannot work {KINDS[kind].label.lower()} items."}
        )


@transaction.atomic
def items_assign(
    *,
    items: list[WorkItem],
    acting_user: User,
    user: User | None = None,
    group: Group | None = None,
    due_on: dt.date | None = None,
) -> int:
    """Assign (or reassign) many open items to a person or a queue, and set their due date.

    All or nothing: if the assignee may not work one of the kinds, nothing is assigned
    and the message names the kind.
    """
    require_perm(acting_user, VIEW_PERM, ASSIGN_PERM)
    if (user is None) == (group is None) and due_on is None:
        raise ValidationError({"assignee": "Choose a person or a queue."})
    locked = list(
        WorkItem.objects.select_for_update()
        .filter(pk__in=[i.pk for i in items], status__in=OPEN_STATUSES)
        .order_by("pk")
    )
    if not locked:
        raise ValidationError("None of those items is still open.")
    for kind in sorted({i.kind for i in locked}):
        _check_assignee(kind, user, group)
    for item in locked:
        why = []
        if user is not None or group is not None:
            item.assigned_user, item.assigned_group = user, group
            item.status = ItemStatus.OPEN if group is not None else item.status
            why.append(f"assigned to {user.username if user else f'the {group} queue'}")
        if due_on is not None:
            item.due_on = due_on
            why.append(f"due {due_on:%Y-%m-%d}")
        _save(item, acting_user=acting_user, why=f"{', '.join(why)} by {acting_user.username}")
    return len(locked)
