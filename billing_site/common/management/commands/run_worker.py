"""``manage.py run_worker``: django-tasks-db's ``db_worker`` that rides out database restarts.

``db_worker`` exits on the first database error that is not a SQLite lock (a
PostgreSQL restart, a failover, a dropped connection). This worker takes the same
options but, on ``OperationalError``/``InterfaceError``, closes its connections,
waits with exponential back-off (1 s doubling to 30 s, with jitter) and carries
on. On SIGTERM/SIGINT a long task in hand stops after its current chunk and is
handed to the next worker, so a deploy does not wait for a whole import. Every
``--sweep-seconds`` it also enqueues a resume for long tasks whose worker died
(``billing_site.common.tasks.requeue_stuck_tasks``). Use it wherever
``db_worker`` would run (``make run``, ``make worker``, production).
"""

from __future__ import annotations

import logging
import os
import random
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from billing_site.common.tasks import STOP, requeue_stuck_tasks

logger = logging.getLogger("django_tasks_db")

BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0


class ResilientWorker(db_worker.Worker):
    """The library's worker loop, with back-off on database errors and the stuck-task sweep."""

    def __init__(self, *, sweep_seconds: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sweep_seconds = sweep_seconds
        self.next_sweep = 0.0
        self.backoff = BACKOFF_FIRST

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        STOP.set()  # a long task stops after its current chunk and is handed on
        super().shutdown(signum, frame)

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, self.queue_names)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # avoid a thundering herd of workers
        while self.running:
            try:
                ran = self.step()
            except (OperationalError, InterfaceError) as error:
                self.wait_for_database(error)
                continue
            self.backoff = BACKOFF_FIRST
            if self.batch and not ran:
                logger.info("No more tasks to run for worker_id=%s - exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Ran %d tasks on worker_id=%s - exiting.", self._run_tasks, self.worker_id
                )
                return
            if self.running and not ran:
                time.sleep(self.interval)

    def step(self) -> bool:
        """Sweep when due, then run one ready task; True when a task ran."""
        close_old_connections()
        if time.monotonic() >= self.next_sweep:
            requeued = requeue_stuck_tasks()
            if requeued:
                logger.warning("Resuming long tasks whose worker stopped: %s", requeued)
            self.next_sweep = time.monotonic() + self.sweep_seconds
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        if task_result is None:
            return False
        self.run_task(task_result)
        close_old_connections()
        return True

    def wait_for_database(self, error: Exception) -> None:
        delay = self.backoff * (0.5 + random.random() / 2)
        logger.warning("Database unavailable (%s); trying again in %.1f s", error, delay)
        for alias in connections:
            connections[alias].close_if_unusable_or_obsolete()
            connections[alias].close()
        time.sleep(delay)
        self.backoff = min(self.backoff * 2, BACKOFF_MAX)


class Command(db_worker.Command):
    help = "Run a task worker that survives database restarts and resumes stuck long tasks"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-seconds",
            type=float,
            default=15.0,
            help="How often to look for long tasks whose worker died (default: %(default)s)",
        )

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        exclude_queues: str,
        reload: bool,
        batch: bool,
        sweep_seconds: float,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            sweep_seconds=sweep_seconds,
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
