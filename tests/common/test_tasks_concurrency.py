"""Long tasks with real transactions: workers racing for one task never do a chunk twice."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from billing_site.common import tasks
from billing_site.common.models import LongTask, LongTaskStatus, NumberSequence
from billing_site.common.tasks import ChunkResult
from tests.common.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KIND = "tests.slow_count"
done_by: list[tuple[int, str]] = []


def _slow_chunk(*, task: LongTask, number: int, acting_user: object) -> ChunkResult:
    NumberSequence.objects.create(name=f"race-{task.pk}-{number}")
    done_by.append((number, task.lease_owner))
    time.sleep(0.05)
    return ChunkResult(done=1)


tasks.register_long_task(KIND, chunk=_slow_chunk)


def test_it_lets_one_of_several_racing_workers_resume_a_stuck_task(bob) -> None:
    done_by.clear()
    task = tasks.start_long_task(
        kind=KIND, subject=bob, total=12, chunk_size=1, view_permission="x.y", acting_user=bob
    )
    LongTask.objects.filter(pk=task.pk).update(
        status=LongTaskStatus.RUNNING,
        lease_owner="dead-worker",
        lease_expires_at=timezone.now() - timedelta(seconds=5),
    )
    results = run_together(4, lambda i: tasks.run_long_task(task=task, worker=f"w{i}").status)
    assert results.count("done") >= 1, results
    numbers = [n for n, _owner in done_by]
    assert sorted(numbers) == list(range(12))  # every chunk once, none twice
    assert NumberSequence.objects.filter(name__startswith=f"race-{task.pk}-").count() == 12
    finished = LongTask.objects.get(pk=task.pk)
    assert (finished.status, finished.done, finished.chunks.count()) == ("done", 12, 12)
