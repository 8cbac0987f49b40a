"""Reads of long tasks across kinds, for the operations dashboard.

A task is **stuck** when it is not progressing: running with its lease run out (its
worker died, ``LongTask.shown_status``), running with no heartbeat for ``stale``
(a chunk that hangs), or queued for ``stale`` without a worker taking it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import LongTask, LongTaskStatus


@dataclass(frozen=True)
class WatchedTask:
    task: LongTask
    stuck: bool
    since: datetime | None  # last sign of life

    @property
    def percent(self) -> int:
        return int(self.task.done * 100 / self.task.total) if self.task.total else 0


def is_stuck(task: LongTask, *, stale: timedelta, now: datetime) -> bool:
    if task.status == LongTaskStatus.STUCK or task.shown_status == LongTaskStatus.STUCK:
        return True
    if task.status == LongTaskStatus.RUNNING:
        return (task.heartbeat_at or task.started_at or task.created_at) < now - stale
    return task.status == LongTaskStatus.QUEUED and task.created_at < now - stale


def tasks_to_watch(
    *, stale: timedelta, failed_since: timedelta, limit: int = 50, now: datetime | None = None
) -> list[WatchedTask]:
    """Tasks queued or running (stuck ones first), and those failed or stuck within
    ``failed_since``: one query, newest first within each group."""
    now = now or timezone.now()
    found = LongTask.objects.filter(
        Q(status__in=[LongTaskStatus.QUEUED, LongTaskStatus.RUNNING])
        | Q(
            status__in=[LongTaskStatus.FAILED, LongTaskStatus.STUCK],
            created_at__gte=now - failed_since,
        )
    ).select_related("created_by")
    watched = [
        WatchedTask(t, is_stuck(t, stale=stale, now=now), t.heartbeat_at or t.started_at)
        for t in found.order_by("-created_at")[:limit]
    ]
    return sorted(watched, key=lambda w: (not w.stuck, w.task.status != LongTaskStatus.FAILED))
