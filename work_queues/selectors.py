"""Reads of work items: a person's list ("My work"), the office's open work for the
assignment page, the dashboard panels (queue sizes, done per person) and the workload
report. Every list is one query whatever its length (rows come with their account,
customer and assignee); the kind's label and page come from ``kinds`` without a query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, User
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    F,
    Min,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing_site.common.counter_day import counter_date

from .choices import OPEN_STATUSES, ItemStatus
from .kinds import KINDS, kinds_for, label_of
from .models import WorkItem

PER_PAGE = 50

# The columns a list row needs, read with values(): no model objects per row.
ROW_FIELDS = (
    "pk", "kind", "source_key", "why", "priority", "due_on", "status", "account_id",
    "assigned_user_id", "assigned_group_id", "account__number", "account__customer__kind",
    "account__customer__first_name", "account__customer__last_name",
    "account__customer__organisation_name", "assigned_user__username",
    "assigned_user__first_name", "assigned_user__last_name", "assigned_group__name",
)  # fmt: skip
ORDER = (F("due_on").asc(nulls_last=True), "priority", "pk")


def _role_ids(user: Any) -> list[int]:
    """The ids of my roles' groups: from the session's role cache (``roles.load_cached_roles``)
    or read once per request."""
    ids = getattr(user, "_role_ids", None)
    if ids is None:
        ids = list(user.groups.values_list("pk", flat=True))
        user._role_ids = ids
    return list(ids)


def mine(user: Any) -> QuerySet[WorkItem]:
    """Open items assigned to me or to my roles' queues, of kinds I may work."""
    return WorkItem.objects.filter(
        Q(assigned_user_id=user.pk) | Q(assigned_group_id__in=_role_ids(user)),
        status__in=OPEN_STATUSES,
        kind__in=kinds_for(user),
    )


@dataclass(frozen=True)
class Page:
    """One page of a list: its number, how many pages, and its rows (dicts)."""

    number: int
    pages: int
    total: int
    rows: list[dict[str, Any]]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * PER_PAGE + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return (self.number - 1) * PER_PAGE + len(self.rows)


def page_of(qs: QuerySet[WorkItem], *, total: int, number: int) -> Page:
    """Rows ``PER_PAGE`` at a time (LIMIT/OFFSET on the list's order), as dicts."""
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(1, number), pages)
    start = (number - 1) * PER_PAGE
    rows = list(qs.order_by(*ORDER).values(*ROW_FIELDS)[start : start + PER_PAGE])
    return Page(number, pages, total, rows)


@dataclass(frozen=True)
class MyCounts:
    total: int
    overdue: int
    due_today: int
    by_kind: list[Tally]


def my_counts(user: Any) -> MyCounts:
    """My open items per kind, with the overdue and due-today ones: one query."""
    today = counter_date()
    rows = list(
        mine(user)
        .values("kind")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(due_on__lt=today)),
            now=Count("pk", filter=Q(due_on=today)),
        )
        .order_by("kind")
    )
    return MyCounts(
        total=sum(r["n"] for r in rows),
        overdue=sum(r["late"] for r in rows),
        due_today=sum(r["now"] for r in rows),
        by_kind=[Tally(label_of(r["kind"]), r["n"], r["late"], r["kind"]) for r in rows],
    )


def my_page(user: Any, *, number: int, total: int) -> Page:
    return page_of(mine(user), total=total, number=number)


def my_count(user: Any) -> int:
    return mine(user).count()


@dataclass(frozen=True)
class OfficeFilter:
    kind: str = ""
    person: int | None = None  # a user id
    queue: int | None = None  # a group id
    overdue: bool = False


def office_page(filters: OfficeFilter, *, number: int) -> Page:
    qs = _office(filters)
    return page_of(qs, total=qs.count(), number=number)


def _office(filters: OfficeFilter) -> QuerySet[WorkItem]:
    qs = WorkItem.objects.filter(status__in=OPEN_STATUSES)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.person:
        qs = qs.filter(assigned_user_id=filters.person)
    if filters.queue:
        qs = qs.filter(assigned_group_id=filters.queue)
    if filters.overdue:
        qs = qs.filter(due_on__lt=counter_date())
    return qs


@dataclass(frozen=True)
class Tally:
    label: str
    open: int
    overdue: int
    key: str = ""  # the filter value that lists them


def open_by_person() -> list[Tally]:
    """Open and overdue items by assignee (a person or a queue): one query."""
    today = counter_date()
    rows = (
        WorkItem.objects.filter(status__in=OPEN_STATUSES)
        .values("assigned_user_id", "assigned_user__username", "assigned_group__name",
                "assigned_group_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
        .order_by("assigned_user__username", "assigned_group__name")
    )  # fmt: skip
    return [
        Tally(
            r["assigned_user__username"] or f"{r['assigned_group__name'] or 'Nobody'} queue",
            r["n"], r["late"],
            f"person={r['assigned_user_id']}" if r["assigned_user_id"]
            else f"queue={r['assigned_group_id'] or ''}",
        )
        for r in rows
    ]  # fmt: skip


def open_by_kind() -> list[Tally]:
    today = counter_date()
    rows = (
        WorkItem.objects.filter(status__in=OPEN_STATUSES)
        .values("kind")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)))
        .order_by("kind")
    )
    return [Tally(label_of(r["kind"]), r["n"], r["late"], f"kind={r['kind']}") for r in rows]


@dataclass(frozen=True)
class QueueSize:
    kind: str
    label: str
    open: int
    overdue: int
    oldest_days: int | None


def queue_sizes() -> list[QueueSize]:
    """Per kind: open items, overdue ones and the oldest one's age in days (one query)."""
    today, now = counter_date(), timezone.now()
    rows = {
        r["kind"]: r
        for r in WorkItem.objects.filter(status__in=OPEN_STATUSES)
        .values("kind")
        .annotate(
            n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today)), first=Min("created_at")
        )
        .order_by()
    }  # fmt: skip
    return [
        QueueSize(
            code, kind.label, rows[code]["n"], rows[code]["late"],
            (now - rows[code]["first"]).days,
        )
        if code in rows
        else QueueSize(code, kind.label, 0, 0, None)
        for code, kind in KINDS.items()
    ]  # fmt: skip


@dataclass(frozen=True)
class PersonDone:
    username: str
    name: str
    done: int


def done_per_person(since: dt.datetime) -> list[PersonDone]:
    """Items done since ``since`` by the person who did the work (one query)."""
    rows = (
        WorkItem.objects.filter(status=ItemStatus.DONE, closed_at__gte=since)
        .annotate(who=Coalesce("closed_by", "assigned_user"))
        .filter(who__isnull=False)
        .values("who")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    people = {u.pk: u for u in User.objects.filter(pk__in=[r["who"] for r in rows])}
    return [
        PersonDone(people[r["who"]].username, people[r["who"]].get_full_name(), r["n"])
        for r in rows
        if r["who"] in people
    ]


def week_start() -> dt.datetime:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time()))


def assignable_people() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__isnull=False).distinct().order_by("username")


def queues() -> QuerySet[Group]:
    return Group.objects.order_by("name")


# -- the workload report --------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's median (``percentile_cont(0.5)``) of a duration."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class WorkloadRow:
    label: str
    opened: int
    done: int
    overdue: int
    median_to_done: dt.timedelta | None

    @property
    def median_text(self) -> str:
        if self.median_to_done is None:
            return ""
        hours = self.median_to_done.total_seconds() / 3600
        return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


@dataclass(frozen=True)
class Workload:
    start: dt.date
    end: dt.date
    by_person: list[WorkloadRow]
    by_kind: list[WorkloadRow]


def _period(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    finish = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return begin, finish


def _rows(group_by: Any, start: dt.date, end: dt.date) -> dict[Any, dict[str, Any]]:
    begin, finish = _period(start, end)
    opened = Q(created_at__gte=begin, created_at__lt=finish)
    done = Q(status=ItemStatus.DONE, closed_at__gte=begin, closed_at__lt=finish)
    late_done = done & Q(due_on__isnull=False, closed_at__date__gt=F("due_on"))
    still_late = Q(due_on__lt=end) & (
        Q(status__in=OPEN_STATUSES, created_at__lt=finish) | Q(closed_at__gte=finish)
    )
    rows = (
        WorkItem.objects.filter(opened | done | still_late)
        .annotate(who=group_by)
        .values("who")
        .annotate(
            opened=Count("pk", filter=opened),
            done=Count("pk", filter=done),
            overdue=Count("pk", filter=late_done | still_late),
            # percentile_cont skips NULLs: only the items done in the period count
            median=Median(
                Case(
                    When(done, then=F("closed_at") - F("created_at")), output_field=DurationField()
                )
            ),
        )
        .order_by()
    )
    return {r["who"]: dict(r) for r in rows}


def workload(*, start: dt.date, end: dt.date) -> Workload:
    """Items opened, done and overdue per person and per kind over the period, with the
    median time from opened to done. Overdue: done after their due date within the period,
    or still open (or closed only after it) past their due date at its end."""
    people = _rows(Coalesce("closed_by", "assigned_user"), start, end)
    users = {u.pk: u.username for u in User.objects.filter(pk__in=[k for k in people if k])}
    kinds = _rows(F("kind"), start, end)

    def row(label: str, r: dict[str, Any]) -> WorkloadRow:
        return WorkloadRow(label, r["opened"], r["done"], r["overdue"], r["median"])

    by_person = sorted(
        (row(users.get(k, "Unassigned (a queue)") if k else "Unassigned (a queue)", r)
         for k, r in people.items()),
        key=lambda w: w.label,
    )  # fmt: skip
    by_kind = sorted((row(label_of(k), r) for k, r in kinds.items()), key=lambda w: w.label)
    return Workload(start, end, by_person, by_kind)


def item_history(item: WorkItem) -> list[Any]:
    return list(item.history.select_related("history_user").order_by("-history_date")[:50])
