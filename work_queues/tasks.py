"""The sweep of work items as a long task (``billing_site.common.tasks``): one chunk per
system kind, each committed on its own, so a sweep whose worker died resumes at the
first kind not done. It starts when a business day opens (closeout opens the next one);
``manage.py sync_work_items`` runs the same sync by hand or from cron."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.tasks import task

from billing_site.common.models import LongTask
from billing_site.common.tasks import (
    ChunkResult,
    register_long_task,
    run_long_task,
    start_long_task,
)
from ledger.models import BusinessDay

from .kinds import SYSTEM_KINDS
from .services import ASSIGN_PERM, work_items_sync

SWEEP_TASK = "work_queues.sweep"
log = logging.getLogger(__name__)


def sweep_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    result = work_items_sync(kind=SYSTEM_KINDS[number], acting_user=acting_user)
    log.info("work items %s: %s", SYSTEM_KINDS[number], result)
    return ChunkResult(done=1)


register_long_task(SWEEP_TASK, chunk=sweep_chunk)


def sweep_start(*, day: BusinessDay) -> None:
    """Record the sweep of the day that just opened and hand it to a worker."""
    sweep = start_long_task(
        kind=SWEEP_TASK, subject=day, total=len(SYSTEM_KINDS), chunk_size=1,
        acting_user=day.opened_by, view_permission=ASSIGN_PERM,
        label=f"Work items for {day.date:%b %-d, %Y}",
    )  # fmt: skip
    sweep_run.enqueue(sweep.pk)


@task()
def sweep_run(task_id: int) -> int:
    done = run_long_task(task=LongTask.objects.get(pk=task_id))
    return done.done


@task()
def sync_kind(kind: str) -> int:
    """One kind's sync, for saves that may touch all of it (a bill run moving on)."""
    result = work_items_sync(kind=kind)
    return result.opened + result.closed
