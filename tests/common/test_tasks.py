"""Long tasks: chunks committed with their work, resumed after a crash, never done twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing_site.common import tasks
from billing_site.common.models import LongTask, LongTaskChunk, LongTaskStatus, NumberSequence
from billing_site.common.tasks import ChunkResult, ItemError

KIND = "tests.count"
calls: list[int] = []
fail_on: set[int] = set()


def _count_chunk(*, task: LongTask, number: int, acting_user: object) -> ChunkResult:
    """Writes one row per chunk (so a rolled-back chunk leaves nothing) and logs the call."""
    calls.append(number)
    NumberSequence.objects.create(name=f"task-{task.pk}-chunk-{number}")
    if number in fail_on:
        fail_on.discard(number)
        raise RuntimeError(f"The file server did not answer for chunk {number}.")
    first = number * task.chunk_size
    items = range(first, min(first + task.chunk_size, task.total))
    errors = [ItemError(f"item {i}", "Not a number we know.") for i in items if i % 5 == 4]
    return ChunkResult(done=len(items), errors=errors)


tasks.register_long_task(KIND, chunk=_count_chunk)


@pytest.fixture(autouse=True)
def _fresh_log() -> None:
    calls.clear()
    fail_on.clear()


def _start(bob, total: int = 7, size: int = 3) -> LongTask:
    return tasks.start_long_task(
        kind=KIND,
        subject=bob,
        total=total,
        chunk_size=size,
        view_permission="payments.view_remittancebatch",
        acting_user=bob,
    )


def _chunk_rows(task: LongTask) -> list[str]:
    return sorted(
        NumberSequence.objects.filter(name__startswith=f"task-{task.pk}-").values_list(
            "name", flat=True
        )
    )


def test_it_runs_every_chunk_once_and_counts_what_was_done(bob) -> None:
    task = tasks.run_long_task(task=_start(bob))
    assert (task.status, task.done, task.total, task.chunk_count) == ("done", 7, 7, 3)
    assert calls == [0, 1, 2]
    assert list(task.chunks.order_by("number").values_list("number", "done")) == [
        (0, 3),
        (1, 3),
        (2, 1),
    ]
    assert task.lease_owner == "" and task.finished_at is not None
    tasks.run_long_task(task=task)  # run again: nothing is done twice
    assert calls == [0, 1, 2]


def test_it_records_the_items_a_chunk_could_not_do(bob) -> None:
    task = tasks.run_long_task(task=_start(bob, total=10, size=4))
    assert task.errors == 2
    assert [(e.chunk, e.item, e.message) for e in tasks.item_errors(task)] == [
        (1, "item 4", "Not a number we know."),
        (2, "item 9", "Not a number we know."),
    ]


def test_it_resumes_after_a_chunk_raised_from_the_chunk_that_failed(bob, carol) -> None:
    fail_on.add(1)
    task = _start(bob)
    with pytest.raises(RuntimeError, match="did not answer"):
        tasks.run_long_task(task=task)
    task.refresh_from_db()
    assert (task.status, task.done) == (LongTaskStatus.FAILED, 3)
    assert task.last_error == "The file server did not answer for chunk 1."
    assert task.lease_owner == ""
    assert _chunk_rows(task) == [f"task-{task.pk}-chunk-0"]  # chunk 1 rolled back whole

    task = tasks.run_long_task(task=task, acting_user=carol)  # a supervisor retries
    assert (task.status, task.done, task.last_error) == ("done", 7, "")
    assert calls == [0, 1, 1, 2]  # chunk 0 was not done again
    assert task.run_as == carol
    assert len(_chunk_rows(task)) == 3


def _kill_worker_after_first_chunk(task: LongTask) -> LongTask:
    """What a ``kill -9`` after chunk 0 leaves: RUNNING, a dead owner, a lease run out."""
    fail_on.add(1)
    with pytest.raises(RuntimeError):
        tasks.run_long_task(task=task)
    LongTask.objects.filter(pk=task.pk).update(
        status=LongTaskStatus.RUNNING,
        lease_owner="counter-2:4242:deadbeef",
        heartbeat_at=timezone.now() - timedelta(minutes=5),
        lease_expires_at=timezone.now() - timedelta(minutes=3),
        last_error="",
    )
    calls.clear()
    return LongTask.objects.get(pk=task.pk)


def test_it_shows_a_task_whose_worker_died_as_stuck(bob) -> None:
    task = _kill_worker_after_first_chunk(_start(bob))
    assert task.status == LongTaskStatus.RUNNING and task.shown_status == LongTaskStatus.STUCK
    assert task.is_active  # the page keeps polling: a worker will pick it up


def test_it_resumes_a_task_whose_lease_ran_out_from_its_last_chunk(
    bob, django_capture_on_commit_callbacks
) -> None:
    task = _kill_worker_after_first_chunk(_start(bob))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_tasks() == [task.pk]
    task.refresh_from_db()
    assert (task.status, task.done, task.attempts) == ("done", 7, 2)
    assert calls == [1, 2]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_tasks() == []


def test_it_leaves_a_task_alone_while_its_worker_holds_a_live_lease(bob) -> None:
    task = _start(bob)
    LongTask.objects.filter(pk=task.pk).update(
        status=LongTaskStatus.RUNNING,
        lease_owner="counter-2:4242:alive",
        lease_expires_at=timezone.now() + timedelta(minutes=1),
    )
    assert tasks.requeue_stuck_tasks() == []
    after = tasks.run_long_task(task=task)
    assert calls == [] and after.lease_owner == "counter-2:4242:alive"


def test_it_gives_up_resuming_after_the_last_attempt_and_says_why(bob, settings) -> None:
    settings.LONG_TASK_MAX_ATTEMPTS = 1
    task = _kill_worker_after_first_chunk(_start(bob))
    assert tasks.requeue_stuck_tasks() == []
    task.refresh_from_db()
    assert task.status == LongTaskStatus.STUCK
    assert "stopped 1 times" in task.last_error and "Retry" in task.last_error
    task = tasks.run_long_task(task=task, acting_user=bob)  # a person retries
    assert (task.status, task.done) == ("done", 7)


def test_it_stops_a_worker_whose_lease_was_taken_over(bob) -> None:
    task = _start(bob)
    LongTask.objects.filter(pk=task.pk).update(status="running", lease_owner="someone-else")
    kind = tasks._KINDS[KIND]
    with pytest.raises(tasks.TaskLost):
        tasks._run_chunk(task.pk, 0, kind, "me")
    assert calls == []


def test_it_lets_the_database_refuse_a_chunk_recorded_twice(bob) -> None:
    task = tasks.run_long_task(task=_start(bob))
    with pytest.raises(IntegrityError), transaction.atomic():
        LongTaskChunk.objects.create(task=task, number=1, done=3, worker="rogue")


def test_it_refuses_a_kind_nobody_registered(bob) -> None:
    with pytest.raises(ValueError, match="No long task kind"):
        tasks.start_long_task(
            kind="tests.nothing", subject=bob, total=1, view_permission="x.y", acting_user=bob
        )


# -- the progress partial -----------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_renders_the_progress_bar_and_polls_while_running(bob) -> None:
    task = _start(bob)
    LongTask.objects.filter(pk=task.pk).update(
        status="running", done=3, lease_owner="w", lease_expires_at=timezone.now() + timedelta(1)
    )
    url = reverse("common:task_progress", args=[task.pk])
    partial = _client(bob).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<span data-rows-done>3</span> of 7 items" in partial
    assert '<progress id="task-bar-' in partial and 'value="3"' in partial
    assert f'hx-get="{url}"' in partial and 'hx-trigger="every 1s"' in partial
    assert "<style" not in partial and "<script" not in partial and "style=" not in partial
    page = _client(bob).get(url).content.decode()
    assert "<html" in page and "data-rows-done" in page


def test_a_page_asking_for_it_is_reloaded_once_its_task_has_finished(bob) -> None:
    """The late-fee, notice, aging and bill-run pages show what their task made: their bar
    asks for ``refresh=1`` and the poll that finds the task finished reloads the page (seen
    in Chromium: "Done" under a page still saying "Calculating")."""
    task = _start(bob)
    LongTask.objects.filter(pk=task.pk).update(
        status="running", done=3, lease_owner="w", lease_expires_at=timezone.now() + timedelta(1)
    )
    url = reverse("common:task_progress", args=[task.pk])
    htmx = {"HX-Request": "true"}
    running = _client(bob).get(f"{url}?refresh=1", headers=htmx)
    assert "HX-Refresh" not in running.headers
    assert f'hx-get="{url}?refresh=1"' in running.content.decode()
    LongTask.objects.filter(pk=task.pk).update(status="done", done=7)
    assert _client(bob).get(f"{url}?refresh=1", headers=htmx).headers["HX-Refresh"] == "true"
    assert "HX-Refresh" not in _client(bob).get(url, headers=htmx).headers
    assert "HX-Refresh" not in _client(bob).get(f"{url}?refresh=1").headers  # the full page
    for errors, said in [(1, "1 item was not done"), (2, "2 items were not done")]:
        LongTask.objects.filter(pk=task.pk).update(errors=errors)
        assert said in _client(bob).get(url, headers=htmx).content.decode()


def test_it_says_plainly_when_a_task_is_stuck_or_failed(bob) -> None:
    task = _kill_worker_after_first_chunk(_start(bob))
    url = reverse("common:task_progress", args=[task.pk])
    stuck = _client(bob).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<strong>Stuck.</strong> The worker doing this stopped at 3 of 7" in stuck
    fail_on.add(1)
    with pytest.raises(RuntimeError):
        tasks.run_long_task(task=task)
    failed = _client(bob).get(url, headers={"HX-Request": "true"}).content.decode()
    assert (
        "<strong>Failed</strong> at 3 of 7: The file server did not answer for chunk 1." in failed
    )
    assert "hx-get" not in failed  # nothing moves until a person retries


def test_it_refuses_the_progress_of_a_task_to_a_user_without_its_permission(bob, dave) -> None:
    task = _start(bob)
    url = reverse("common:task_progress", args=[task.pk])
    assert _client(dave).get(url, headers={"HX-Request": "true"}).status_code == 403
    assert _client(bob).get(url).status_code == 200
    assert Client().get(url).status_code == 302  # not logged in: to the login page


def test_it_hands_a_task_on_when_its_worker_is_asked_to_stop(
    bob, django_capture_on_commit_callbacks
) -> None:
    task = _start(bob)
    tasks.STOP.set()
    try:
        stopped = tasks.run_long_task(task=task)
    finally:
        tasks.STOP.clear()
    assert (stopped.status, stopped.done, stopped.attempts) == ("running", 0, 0)
    assert stopped.shown_status == LongTaskStatus.STUCK and calls == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_tasks() == [task.pk]
    task.refresh_from_db()
    assert (task.status, task.done) == ("done", 7)


PREPARED = "tests.prepared"
prepared: list[tuple[int, bool]] = []


def _prepare(*, task: LongTask, number: int, acting_user: object) -> None:
    from billing_site.common.pdf import in_transaction

    prepared.append((number, in_transaction()))


tasks.register_long_task(PREPARED, chunk=_count_chunk, prepare=_prepare)


@pytest.mark.django_db
def test_it_prepares_each_chunk_outside_a_transaction_before_it_runs(bob) -> None:
    prepared.clear()
    task = tasks.start_long_task(
        kind=PREPARED, subject=bob, total=7, chunk_size=3,
        view_permission="payments.view_remittancebatch", acting_user=bob,
    )  # fmt: skip
    done = tasks.run_long_task(task=task)
    assert done.status == LongTaskStatus.DONE and done.done == 7
    assert prepared == [(0, False), (1, False), (2, False)]
    assert calls == [0, 1, 2]
    assert done.lease_expires_at is None  # finished: the lease renewed around prepare is gone
