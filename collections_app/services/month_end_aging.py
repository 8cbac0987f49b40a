"""Closed month-ends' receivables by aging bucket, computed once and kept.

A month-end is closed when no posting can be dated on or before it any more: the open
business day is after it (or, with no day open, the last closed day is on or after it).
Its buckets then never change, so ``month_end_aging_store`` computes each closed
month-end that has no rows for the bucket limits yet (the aging's own first-in-first-out
statement, ``fifo.buckets_at_dates_sql``), one month-end per transaction: an interrupted
run keeps what it finished and a rerun does only the rest. Run by the closeout that
closes a month-end (a task started with it, ``month_end_aging_after_closeout``), the
management command ``compute_month_end_aging`` or the dashboard's "Compute missing
month-ends" button (supervisors, POST); never by a GET.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from billing_site.common.models import LongTask
from billing_site.common.money import ZERO
from billing_site.common.roles import require_perm
from billing_site.common.tasks import ChunkResult, long_task_for, start_long_task
from ledger.selectors import last_closed_business_date, open_business_day

from .. import fifo
from ..models import MonthEndAging

COMPUTE_PERM = "collections.add_monthendaging"
TASK = "collections.month_end_aging"
MONTHS = 12


def month_ends(today: date, count: int = MONTHS) -> list[date]:
    """The last ``count`` month-ends before ``today``, oldest first (the dashboard's)."""
    ends, day = [], today.replace(day=1) - timedelta(days=1)
    for _ in range(count):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def dashboard_today() -> date:
    day = open_business_day()
    return day.date if day else timezone.localdate()


def default_limits() -> list[int]:
    return list(settings.COLLECTIONS_AGING_BUCKETS)


def closed_through() -> date | None:
    """The last date no posting can be dated on any more (None: nothing closed)."""
    day = open_business_day()
    if day is not None:
        return day.date - timedelta(days=1)
    return last_closed_business_date()


def buckets_at(dates: list[date], limits: list[int]) -> dict[date, list[Decimal]]:
    """Open receivables per bucket as of each date: one statement over the journal."""
    grid = {d: [ZERO] * (len(limits) + 1) for d in dates}
    if not dates:
        return grid
    with connection.cursor() as cursor:
        cursor.execute(fifo.buckets_at_dates_sql(limits), {"dates": dates})
        for as_of, bucket, amount in cursor.fetchall():
            grid[as_of][bucket] += amount
    return grid


def stored_buckets(dates: list[date], limits: list[int]) -> dict[date, list[Decimal]]:
    """The kept buckets of those of ``dates`` that have them (one query)."""
    grid: dict[date, list[Decimal]] = {}
    rows = MonthEndAging.objects.filter(month_end__in=dates, limits=limits).values_list(
        "month_end", "bucket", "amount"
    )
    for month_end, bucket, amount in rows:
        grid.setdefault(month_end, [ZERO] * (len(limits) + 1))[bucket] = amount
    return grid


def missing_month_ends(dates: list[date], limits: list[int]) -> list[date]:
    """Those of ``dates`` that are closed and not stored yet, oldest first."""
    through = closed_through()
    if through is None:
        return []
    stored = set(
        MonthEndAging.objects.filter(month_end__in=dates, limits=limits)
        .values_list("month_end", flat=True)
        .distinct()
    )
    return sorted(d for d in dates if d <= through and d not in stored)


def month_end_aging_store(
    *, month_ends: list[date], limits: list[int], acting_user: User
) -> list[date]:
    """Compute and keep every closed month-end of ``month_ends`` not stored yet for
    ``limits``; returns those stored now. Open month-ends are left alone."""
    require_perm(acting_user, COMPUTE_PERM)
    done = []
    for month_end in missing_month_ends(month_ends, limits):
        if _store_one(month_end=month_end, limits=limits, acting_user=acting_user):
            done.append(month_end)
    return done


@transaction.atomic
def _store_one(*, month_end: date, limits: list[int], acting_user: User) -> bool:
    # Serialize concurrent runs on the month-end; a run that lost the race stores nothing.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('month_end_aging'), %s)",
                       [month_end.toordinal()])  # fmt: skip
    if MonthEndAging.objects.filter(month_end=month_end, limits=limits).exists():
        return False
    amounts = buckets_at([month_end], limits)[month_end]
    MonthEndAging.objects.bulk_create(
        MonthEndAging(month_end=month_end, limits=limits, bucket=n, amount=amount,
                      computed_by=acting_user)
        for n, amount in enumerate(amounts)
    )  # fmt: skip
    return True


# -- the long task behind the dashboard's button ------------------------------------------


@transaction.atomic
def month_end_aging_start(*, acting_user: User) -> LongTask | None:
    """Start computing the dashboard's closed month-ends not stored yet, one month-end per
    chunk; None when none is missing. The task is about the user who started it."""
    require_perm(acting_user, COMPUTE_PERM)
    missing = missing_month_ends(month_ends(dashboard_today()), default_limits())
    if not missing:
        return None
    running = month_end_aging_task(acting_user)
    if running is not None and running.status in ("queued", "running"):
        return running
    task = start_long_task(
        kind=TASK, subject=acting_user, total=len(missing), chunk_size=1,
        view_permission="collections.view_collections_dashboard", acting_user=acting_user,
        label=f"Month-end aging ({len(missing)} month-ends)",
    )  # fmt: skip
    from .. import tasks

    transaction.on_commit(lambda: tasks.collections_task.enqueue(task.pk))
    return task


def month_end_aging_after_closeout(closeout: Any, acting_user: User) -> None:
    """A closeout that closed a month-end (its day on or before it, the next day after it)
    starts the task keeping the dashboard's missing month-ends, so the dashboard reads them
    kept; a closing user without the permission leaves it to the dashboard's button."""
    if not acting_user.has_perm(COMPUTE_PERM):
        return
    ends = month_ends(closeout.next_date)
    if any(closeout.business_date <= end < closeout.next_date for end in ends):
        month_end_aging_start(acting_user=acting_user)


def month_end_aging_task(user: User) -> LongTask | None:
    return long_task_for(kind=TASK, subject=user)


def month_end_aging_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """The oldest closed month-end of the dashboard still missing (each chunk commits its
    month-end, so a resumed task goes on with the next one)."""
    missing = missing_month_ends(month_ends(dashboard_today()), default_limits())
    if missing:
        _store_one(month_end=missing[0], limits=default_limits(), acting_user=acting_user)
    return ChunkResult(done=1)
