"""Long tasks with progress: work in committed chunks, a heartbeat and a lease.

How it works (the design every long job follows: imports, bill runs, notices):

- ``start_long_task`` writes a :class:`LongTask` record (QUEUED) in the caller's
  transaction, naming what it is about, how many items and who may watch it.
- ``run_long_task`` runs the chunks still to do. A worker first *claims* the task:
  it becomes the ``lease_owner`` until ``lease_expires_at`` (now +
  ``LONG_TASK_LEASE_SECONDS``). Each chunk then runs in its own transaction that
  locks the task row, checks the lease is still ours, does the work, writes the
  :class:`LongTaskChunk` row (unique per task and number), the per-item errors,
  the counts, the heartbeat and a renewed lease, and commits: all of it or none.
  So a chunk is never done twice, and a crash loses at most the chunk in flight.
- A worker killed with ``kill -9`` stops renewing its lease. Once the lease has
  run out the task shows as *stuck*; ``requeue_stuck_tasks`` (run by every
  ``manage.py run_worker`` loop) enqueues ``resume_long_task`` for it, and the next
  worker claims it and carries on from the first chunk not done. After
  ``LONG_TASK_MAX_ATTEMPTS`` claims it is left STUCK for a person to retry.
- A worker asked to stop (SIGTERM) finishes the chunk in hand, then hands the
  task on (its lease ends at once) instead of holding the shutdown up.
- A chunk that raises rolls back alone; the task is FAILED with the error in
  words (``last_error``) and a retry resumes at that chunk. Lost database
  connections are retried with back-off instead (a restart is not a failure).

Parallel kinds (``register_long_task(..., parallel=True)``, the bill run's stages):
several workers share one task. The first to claim holds the lease as above; a worker
that finds the task already running with a live lease *helps*: it does chunks too.
A chunk is claimed with ``pg_try_advisory_xact_lock(task, chunk)`` inside the chunk's
own transaction (the advisory-lock form of ``SELECT ... FOR UPDATE SKIP LOCKED``: a
chunk being done elsewhere is skipped, not waited for), and the task row is locked only
for the closing counter update, so chunks of one task commit side by side. A helper
stops when no free chunk is left; the lease holder waits for the helpers' last chunks
and finishes the task. A helper killed mid-chunk rolls back alone and its advisory
lock goes with its connection, so the chunk is done again by whoever comes next; a
dead lease holder is resumed as above. The chunk row (unique per task and number) is
still what makes a chunk done once.

A kind of task is registered once (``register_long_task``) with its chunk
function ``chunk(*, task, number, acting_user) -> ChunkResult``; chunk ``number``
covers items ``number * chunk_size`` up to the next chunk, in an order the kind
keeps stable. The chunk function runs inside the chunk's transaction: it must not
commit on its own, and it should not be slow (well within the lease). Work that
cannot run inside a transaction (WeasyPrint refuses to) goes in the kind's
``prepare`` function, run just before the chunk outside any transaction; the chunk
then checks and records what it made.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import InterfaceError, OperationalError, connection, models, transaction
from django.db.models import F
from django.tasks import task as django_task
from django.utils import timezone

from .models import LongTask, LongTaskChunk, LongTaskItemError, LongTaskStatus

logger = logging.getLogger(__name__)

# Back-off for lost database connections inside a task: about 30 s in all, then
# the error goes up (and the lease, left to run out, brings the task back).
DB_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


@dataclass(frozen=True)
class ItemError:
    """An item a chunk could not do: which (``"line 12"``) and why, in plain words."""

    item: str
    message: str


@dataclass(frozen=True)
class ChunkResult:
    """What a chunk did: items done (counted toward ``total``) and items it could not do."""

    done: int
    errors: Sequence[ItemError] = ()


class ChunkFunction(Protocol):
    def __call__(self, *, task: LongTask, number: int, acting_user: User) -> ChunkResult: ...


class FinishFunction(Protocol):
    def __call__(self, *, task: LongTask, acting_user: User) -> None: ...


class PrepareFunction(Protocol):
    def __call__(self, *, task: LongTask, number: int, acting_user: User) -> None: ...


@dataclass(frozen=True)
class LongTaskKind:
    name: str
    chunk: ChunkFunction
    finish: FinishFunction | None = None
    prepare: PrepareFunction | None = None
    parallel: bool = False


_KINDS: dict[str, LongTaskKind] = {}


def register_long_task(
    name: str,
    *,
    chunk: ChunkFunction,
    finish: FinishFunction | None = None,
    prepare: PrepareFunction | None = None,
    parallel: bool = False,
) -> LongTaskKind:
    """Make ``name`` runnable; call it at import of the app's ``tasks`` module.

    ``prepare`` (optional) runs before each chunk *outside* any transaction, for work
    that must not hold one open (laying out PDFs). It must be safe to run again for
    the same chunk (a worker may die after it and before the chunk commits): it
    keeps what it made where the chunk can find it, and skips what is already there.

    ``parallel``: several workers may do this kind's chunks at once (see the module's
    docstring); its chunks must not lock anything another chunk of the task needs.
    A parallel kind has no ``prepare`` (its chunks run under an advisory lock held in
    the chunk's transaction).
    """
    if prepare is not None and parallel:
        raise ValueError(f"{name}: a parallel long task cannot have a prepare step")
    kind = LongTaskKind(name=name, chunk=chunk, finish=finish, prepare=prepare, parallel=parallel)
    _KINDS[name] = kind
    return kind


# Set when this process is asked to stop (SIGTERM to ``run_worker``): a running long
# task stops after its current chunk instead of holding the shutdown up to the end.
STOP = threading.Event()


class TaskLost(Exception):
    """Another worker holds this task's lease now; this one stops quietly."""


# -- starting and finding -----------------------------------------------------


@transaction.atomic
def start_long_task(
    *,
    kind: str,
    subject: models.Model,
    total: int,
    acting_user: User,
    view_permission: str,
    label: str = "",
    chunk_size: int = 500,
) -> LongTask:
    """Record a new task about ``subject``; the caller enqueues whatever runs it."""
    if kind not in _KINDS:
        raise ValueError(f"No long task kind {kind!r} is registered.")
    return LongTask.objects.create(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        label=(label or str(subject))[:200],
        view_permission=view_permission,
        total=total,
        chunk_size=chunk_size,
        created_by=acting_user,
        run_as=acting_user,
    )


def long_task_for(*, kind: str, subject: models.Model) -> LongTask | None:
    """The latest task of ``kind`` about ``subject``, if there is one."""
    return (
        LongTask.objects.filter(
            kind=kind,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=str(subject.pk),
        )
        .order_by("-pk")
        .first()
    )


def item_errors(task: LongTask, limit: int = 50) -> list[LongTaskItemError]:
    return list(task.item_errors.all()[:limit])


# -- running ------------------------------------------------------------------


def worker_name() -> str:
    """Who holds a lease: host, process and a random part (two runs never share one)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_long_task(*, task: LongTask, acting_user: User | None = None, worker: str = "") -> LongTask:
    """Run ``task``'s remaining chunks in this process, then return it as it stands.

    ``acting_user`` is a person retrying (the chunks then run as them and the
    attempts start again); without one the task runs as it was started.
    Returns at once when another live worker holds the lease or the task is done.
    """
    worker = worker or worker_name()
    kind = _KINDS[task.kind]
    if not _with_db_retry(lambda: _claim(task.pk, worker, acting_user)):
        if kind.parallel and _can_help(task.pk):
            _help(task.pk, kind, worker)
        return LongTask.objects.get(pk=task.pk)
    try:
        if kind.parallel:
            if not _parallel_chunks(task.pk, kind, worker, owner=True):
                return LongTask.objects.get(pk=task.pk)
        else:
            while (number := _with_db_retry(lambda: _next_chunk(task.pk))) is not None:
                if STOP.is_set():
                    _with_db_retry(lambda: _release(task.pk, worker))
                    return LongTask.objects.get(pk=task.pk)
                if kind.prepare is not None:
                    _with_db_retry(lambda n=number: _prepare(task.pk, n, kind, worker))  # type: ignore[misc]
                _with_db_retry(lambda n=number: _run_chunk(task.pk, n, kind, worker))  # type: ignore[misc]
        _with_db_retry(lambda: _finish(task.pk, kind, worker))
    except TaskLost:
        logger.warning("Long task %s was taken over by another worker; %s stops", task.pk, worker)
    except (OperationalError, InterfaceError):
        raise  # the database is away: leave the lease to run out, the task comes back
    except Exception as error:
        _fail(task.pk, worker, error)
        raise
    return LongTask.objects.get(pk=task.pk)


# -- parallel kinds -----------------------------------------------------------

HELP_WAIT_SECONDS = 0.1


def _can_help(task_pk: int) -> bool:
    """True once the task runs under a live lease (waits out a claim in flight)."""
    for _attempt in range(50):
        task = LongTask.objects.get(pk=task_pk)
        if task.status == LongTaskStatus.RUNNING:
            return not task.lease_expired
        if task.status != LongTaskStatus.QUEUED:
            return False
        time.sleep(HELP_WAIT_SECONDS)  # another worker is claiming it right now
    return False


def _help(task_pk: int, kind: LongTaskKind, worker: str) -> None:
    try:
        _parallel_chunks(task_pk, kind, worker, owner=False)
    except TaskLost:
        pass  # the task failed or ended elsewhere: nothing left to help with
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:
        _fail_running(task_pk, error)
        raise


def _parallel_chunks(task_pk: int, kind: LongTaskKind, worker: str, *, owner: bool) -> bool:
    """Do free chunks until none is left; the owner also waits for the helpers' last ones.

    False when the worker was asked to stop (the owner then hands the task on)."""
    while True:
        todo = _with_db_retry(lambda: _chunks_to_do(task_pk))
        if not todo:
            return True
        progressed = False
        for number in todo:
            if STOP.is_set():
                if owner:
                    _with_db_retry(lambda: _release(task_pk, worker))
                return False
            ran = _with_db_retry(
                lambda n=number: _run_parallel_chunk(task_pk, n, kind, worker, owner)  # type: ignore[misc]
            )
            progressed = progressed or ran
        if not progressed:
            if not owner:
                return True  # every chunk left is in someone else's hands
            _with_db_retry(lambda: _renew_lease(task_pk, worker))
            time.sleep(HELP_WAIT_SECONDS)


def _chunks_to_do(task_pk: int) -> list[int]:
    task = LongTask.objects.get(pk=task_pk)
    done = set(task.chunks.values_list("number", flat=True))
    return [n for n in range(task.chunk_count) if n not in done]


@transaction.atomic
def _run_parallel_chunk(
    task_pk: int, number: int, kind: LongTaskKind, worker: str, owner: bool
) -> bool:
    """One chunk if it is free (nobody else on it, not done); False when it is not."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_lock_key(task_pk), number])
        (free,) = cursor.fetchone()
    if not free:
        return False
    task = LongTask.objects.get(pk=task_pk)
    if task.status != LongTaskStatus.RUNNING or (owner and task.lease_owner != worker):
        raise TaskLost(task_pk)
    if task.chunks.filter(number=number).exists():
        return True
    result = kind.chunk(task=task, number=number, acting_user=task.run_as)
    LongTaskChunk.objects.create(task=task, number=number, done=result.done, worker=worker)
    LongTaskItemError.objects.bulk_create(
        LongTaskItemError(task=task, chunk=number, item=e.item[:100], message=e.message[:500])
        for e in result.errors
    )
    counted = LongTask.objects.filter(pk=task_pk, status=LongTaskStatus.RUNNING)
    if owner:
        counted = counted.filter(lease_owner=worker)
    changes: dict[str, Any] = {"done": F("done") + result.done, "heartbeat_at": timezone.now()}
    changes["errors"] = F("errors") + len(result.errors)
    if owner:
        changes["lease_expires_at"] = _lease_until()
    if not counted.update(**changes):
        raise TaskLost(task_pk)
    return True


def _lock_key(task_pk: int) -> int:
    """The advisory lock's first key: the task's id folded into PostgreSQL's int4."""
    return task_pk % 2_147_483_647


def _fail_running(task_pk: int, error: Exception) -> None:
    """A helper's chunk raised: the task fails for everyone (a retry resumes at that chunk)."""
    message = str(error).strip() or type(error).__name__
    LongTask.objects.filter(pk=task_pk, status=LongTaskStatus.RUNNING).update(
        status=LongTaskStatus.FAILED,
        last_error=message[:2000],
        lease_owner="",
        lease_expires_at=None,
        heartbeat_at=timezone.now(),
    )


def _with_db_retry[T](action: Callable[[], T]) -> T:
    for delay in DB_RETRY_DELAYS:
        try:
            return action()
        except (OperationalError, InterfaceError) as error:
            if connection.in_atomic_block:
                raise  # an outer transaction is lost with the connection: not ours to retry
            logger.warning("Database unavailable (%s); retrying in %.1f s", error, delay)
            connection.close()
            time.sleep(delay)
    return action()


def _lease_until() -> Any:
    return timezone.now() + timedelta(seconds=settings.LONG_TASK_LEASE_SECONDS)


@transaction.atomic
def _claim(task_pk: int, worker: str, acting_user: User | None) -> bool:
    """Take the lease: free, expired, or after a failure. False when someone else runs it."""
    task = LongTask.objects.select_for_update(skip_locked=True).filter(pk=task_pk).first()
    if task is None or task.status == LongTaskStatus.DONE:
        return False  # locked: a chunk is running elsewhere right now
    if task.status == LongTaskStatus.RUNNING and not task.lease_expired:
        return False
    now = timezone.now()
    if acting_user is not None:
        task.run_as = acting_user  # type: ignore[assignment]
        task.attempts = 0
    if task.status == LongTaskStatus.RUNNING:
        logger.warning("Resuming long task %s: %s stopped at %s", task.pk, task.lease_owner, now)
    task.status = LongTaskStatus.RUNNING
    task.lease_owner = worker
    task.lease_expires_at = _lease_until()
    task.heartbeat_at = now
    task.started_at = task.started_at or now
    task.attempts += 1
    task.last_error = ""
    task.save()
    return True


def _next_chunk(task_pk: int) -> int | None:
    task = LongTask.objects.get(pk=task_pk)
    done = set(task.chunks.values_list("number", flat=True))
    return next((n for n in range(task.chunk_count) if n not in done), None)


def _locked_task(task_pk: int, worker: str) -> LongTask:
    task = LongTask.objects.select_for_update().get(pk=task_pk)
    if task.lease_owner != worker:
        raise TaskLost(task_pk)
    return task


def _prepare(task_pk: int, number: int, kind: LongTaskKind, worker: str) -> None:
    """The kind's work outside a transaction, under a lease renewed first (and after)."""
    task = _renew_lease(task_pk, worker)
    assert kind.prepare is not None
    kind.prepare(task=task, number=number, acting_user=task.run_as)
    _renew_lease(task_pk, worker)


def _renew_lease(task_pk: int, worker: str) -> LongTask:
    renewed = LongTask.objects.filter(pk=task_pk, lease_owner=worker).update(
        heartbeat_at=timezone.now(), lease_expires_at=_lease_until()
    )
    if not renewed:
        raise TaskLost(task_pk)
    return LongTask.objects.select_related("run_as").get(pk=task_pk)


@transaction.atomic
def _run_chunk(task_pk: int, number: int, kind: LongTaskKind, worker: str) -> None:
    """One chunk and its record, committed together (or neither)."""
    task = _locked_task(task_pk, worker)
    if task.chunks.filter(number=number).exists():
        return
    result = kind.chunk(task=task, number=number, acting_user=task.run_as)
    LongTaskChunk.objects.create(task=task, number=number, done=result.done, worker=worker)
    LongTaskItemError.objects.bulk_create(
        LongTaskItemError(task=task, chunk=number, item=e.item[:100], message=e.message[:500])
        for e in result.errors
    )
    LongTask.objects.filter(pk=task.pk).update(
        done=F("done") + result.done,
        errors=F("errors") + len(result.errors),
        heartbeat_at=timezone.now(),
        lease_expires_at=_lease_until(),
    )


@transaction.atomic
def _finish(task_pk: int, kind: LongTaskKind, worker: str) -> None:
    task = _locked_task(task_pk, worker)
    if kind.finish is not None:
        kind.finish(task=task, acting_user=task.run_as)
    now = timezone.now()
    task.status = LongTaskStatus.DONE
    task.finished_at = task.heartbeat_at = now
    task.lease_owner = ""
    task.lease_expires_at = None
    task.save()


def _release(task_pk: int, worker: str) -> None:
    """Stop between chunks (the worker is shutting down): the next sweep hands it on."""
    logger.warning("Long task %s released by %s, which is stopping", task_pk, worker)
    LongTask.objects.filter(pk=task_pk, lease_owner=worker).update(
        lease_expires_at=timezone.now(), requeued_at=None, attempts=F("attempts") - 1
    )


def _fail(task_pk: int, worker: str, error: Exception) -> None:
    message = str(error).strip() or type(error).__name__
    LongTask.objects.filter(pk=task_pk, lease_owner=worker).update(
        status=LongTaskStatus.FAILED,
        last_error=message[:2000],
        lease_owner="",
        lease_expires_at=None,
        heartbeat_at=timezone.now(),
    )


# -- resuming after a worker died --------------------------------------------


@django_task()
def resume_long_task(task_pk: int) -> str:
    """Carry on with a task whose worker stopped; returns the status it was left in."""
    task = LongTask.objects.get(pk=task_pk)
    return run_long_task(task=task).status


def requeue_stuck_tasks() -> list[int]:
    """Enqueue a resume for every RUNNING task whose lease ran out; returns their ids.

    A task is requeued at most once per lease period (``requeued_at``), so several
    workers sweeping at once enqueue it once; after ``LONG_TASK_MAX_ATTEMPTS``
    claims it is marked STUCK and waits for a person.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.LONG_TASK_LEASE_SECONDS)
    requeued: list[int] = []
    with transaction.atomic():
        expired = (
            LongTask.objects.select_for_update(skip_locked=True)
            .filter(status=LongTaskStatus.RUNNING, lease_expires_at__lt=now)
            .exclude(requeued_at__gt=now - lease)
        )
        for task in expired:
            if task.attempts >= settings.LONG_TASK_MAX_ATTEMPTS:
                task.status = LongTaskStatus.STUCK
                task.last_error = (
                    f"Its worker stopped {task.attempts} times (last heartbeat "
                    f"{timezone.localtime(task.heartbeat_at):%Y-%m-%d %H:%M:%S}); "
                    "automatic resuming gave up. Retry it once the cause is fixed."
                )
                task.save(update_fields=["status", "last_error"])
                continue
            task.requeued_at = now
            task.save(update_fields=["requeued_at"])
            requeued.append(task.pk)
            transaction.on_commit(lambda pk=task.pk: resume_long_task.enqueue(pk))  # type: ignore[misc]
    return requeued
