"""Real worker processes: ``kill -9`` in the middle of a lockbox import, and database outages.

The kill test starts ``manage.py run_worker`` against the test database, kills it
with SIGKILL once some chunks have committed, then lets a second worker resume
the task: every row is posted exactly once and the batch finishes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from billing_site.common.management.commands import run_worker
from billing_site.common.models import LongTask, LongTaskStatus
from ledger.models import JournalTransaction
from payments import services, tasks
from payments.choices import BatchStatus
from payments.services import batches
from tests.payments.helpers import balance
from tests.payments.lockbox_files import lockbox_file

ROOT = Path(__file__).resolve().parents[2]
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ROWS, CHUNK = 800, 10


def _test_database_url() -> str:
    s = connection.settings_dict
    port = f":{s['PORT']}" if s["PORT"] else ""
    query = f"?host={quote(s['OPTIONS']['host'])}" if "host" in s["OPTIONS"] else ""
    user = f"{quote(s['USER'])}:{quote(s['PASSWORD'] or '')}"
    return f"postgresql://{user}@{s['HOST']}{port}/{s['NAME']}{query}"


def _worker(*extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "billing_site.settings.base",
        "DATABASE_URL": _test_database_url(),
        "LONG_TASK_LEASE_SECONDS": "2",
        "LOG_LEVEL": "ERROR",
    }
    command = [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(
        [*command, "--interval", "0.2", "--sweep-seconds", "0.5", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_resumes_an_import_after_its_worker_is_killed(
    bob, account, business_day, monkeypatch
) -> None:
    monkeypatch.setattr(batches, "CHUNK", CHUNK)
    data = lockbox_file([(account.number, "1.00")] * ROWS)
    batch = services.lockbox_import(file_name="big.csv", data=data, acting_user=bob)
    task = batches.lockbox_task(batch)
    with override_settings(TASKS=DB_BACKEND):
        tasks.lockbox_post.enqueue(batch.pk, bob.pk)

    first = _worker()
    try:
        started = _wait_for(lambda: LongTask.objects.get(pk=task.pk).done >= 20 * CHUNK, 60)
        assert started, first.stderr.read().decode() if first.poll() is not None else "slow"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    killed = LongTask.objects.get(pk=task.pk)
    assert killed.status == LongTaskStatus.RUNNING and 0 < killed.done < ROWS, killed.done
    assert killed.done == killed.chunks.count() * CHUNK  # only whole chunks committed

    time.sleep(2.2)  # the dead worker's lease runs out
    assert LongTask.objects.get(pk=task.pk).shown_status == LongTaskStatus.STUCK
    second = _worker("--batch")
    try:
        assert second.wait(90) == 0, second.stderr.read().decode()
    finally:
        if second.poll() is None:
            second.kill()
    done = LongTask.objects.get(pk=task.pk)
    batch.refresh_from_db()
    assert (done.status, done.done, done.chunks.count()) == ("done", ROWS, ROWS // CHUNK)
    assert batch.status == BatchStatus.POSTED and batch.rows_done == ROWS
    assert JournalTransaction.objects.filter(source=f"batch {batch.number}").count() == ROWS
    assert balance(account) == D(-ROWS)
    assert len(set(done.chunks.values_list("worker", flat=True))) == 2


def test_it_waits_out_a_database_outage_with_back_off(monkeypatch) -> None:
    """The worker loop survives OperationalError, sleeping longer each time, then runs on."""
    worker = run_worker.ResilientWorker(
        sweep_seconds=15,
        queue_names=["default"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
    )
    outcomes = [OperationalError("server closed the connection")] * 4 + [False]
    sleeps: list[float] = []

    def step() -> bool:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(worker, "step", step)
    monkeypatch.setattr(run_worker.time, "sleep", sleeps.append)
    monkeypatch.setattr(run_worker.random, "random", lambda: 1.0)
    worker.run()  # returns (batch mode, nothing to do) instead of raising
    assert sleeps == [1.0, 2.0, 4.0, 8.0] and outcomes == []
    assert worker.backoff == run_worker.BACKOFF_FIRST
