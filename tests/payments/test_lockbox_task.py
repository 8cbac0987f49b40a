"""Lockbox imports as long tasks: a killed worker's import resumes, no row posts twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing_site.common import tasks as long_tasks
from billing_site.common.models import LongTask, LongTaskStatus
from ledger.models import JournalTransaction
from payments import services, tasks
from payments.choices import BatchStatus
from payments.services import batches

from .helpers import balance
from .lockbox_files import lockbox_file


@pytest.fixture
def small_chunks(monkeypatch) -> None:
    monkeypatch.setattr(batches, "CHUNK", 2)


def _import_five(bob, account):
    rows = [(account.number, "10.00")] * 3 + [("12345678", "1.00"), (account.number, "5.00")]
    return services.lockbox_import(file_name="box.csv", data=lockbox_file(rows), acting_user=bob)


def _worker_dies_after_first_chunk(task: LongTask) -> None:
    """Run chunk 0 as worker A, then leave things as ``kill -9`` of A leaves them."""
    kind = long_tasks._KINDS[task.kind]
    assert long_tasks._claim(task.pk, "worker-a", None)
    long_tasks._run_chunk(task.pk, 0, kind, "worker-a")
    LongTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() - timedelta(1))


def test_it_records_the_import_as_a_long_task(bob, account, business_day, small_chunks) -> None:
    batch = _import_five(bob, account)
    task = batches.lockbox_task(batch)
    assert (task.kind, task.total, task.chunk_size, task.status) == (
        "payments.lockbox_post",
        5,
        2,
        LongTaskStatus.QUEUED,
    )
    assert task.label == f"Lockbox import, batch {batch.number}" and task.created_by == bob
    tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    task.refresh_from_db()
    assert (task.status, task.done, task.chunks.count(), task.errors) == ("done", 5, 3, 1)
    assert [e.item for e in long_tasks.item_errors(task)] == ["line 5"]


def test_it_resumes_an_import_whose_worker_was_killed_and_posts_each_row_once(
    bob, account, business_day, small_chunks, django_capture_on_commit_callbacks
) -> None:
    batch = _import_five(bob, account)
    task = batches.lockbox_task(batch)
    _worker_dies_after_first_chunk(task)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done) == (BatchStatus.IMPORTING, 2)
    assert balance(account) == D("-20.00")

    with django_capture_on_commit_callbacks(execute=True):
        assert long_tasks.requeue_stuck_tasks() == [task.pk]  # the next worker's sweep
    batch.refresh_from_db()
    task.refresh_from_db()
    assert (batch.status, batch.rows_done, task.status, task.done) == ("posted", 5, "done", 5)
    assert balance(account) == D("-35.00")
    posted = JournalTransaction.objects.filter(source=f"batch {batch.number}")
    assert posted.count() == 4
    assert sorted(task.chunks.values_list("number", "worker")) == [
        (0, "worker-a"),
        (1, task.chunks.get(number=1).worker),
        (2, task.chunks.get(number=2).worker),
    ]
    assert task.chunks.get(number=1).worker != "worker-a"


def test_it_resumes_a_killed_import_when_a_person_retries(
    bob, carol, account, business_day, small_chunks
) -> None:
    batch = _import_five(bob, account)
    _worker_dies_after_first_chunk(batches.lockbox_task(batch))
    client = Client()
    client.force_login(carol)
    page = client.get(reverse("payments:batch", args=[batch.pk])).content.decode()
    assert "<strong>Stuck.</strong> The worker doing this stopped at 2 of 5" in page
    assert 'id="retry-import"' in page
    client.post(reverse("payments:batch_retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.POSTED and balance(account) == D("-35.00")
    assert JournalTransaction.objects.filter(source=f"batch {batch.number}").count() == 4


def test_it_shows_why_an_import_failed_and_carries_on_after_retry(
    bob, account, business_day, small_chunks, monkeypatch
) -> None:
    batch = _import_five(bob, account)
    real = batches._post_chunk

    def broken(batch_pk: int, number: int, size: int, acting_user: object):
        if number == 1:
            raise RuntimeError("The ledger refused the chunk.")
        return real(batch_pk, number, size, acting_user)

    monkeypatch.setattr(batches, "_post_chunk", broken)
    result = tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    assert result.status == "FAILED"
    client = Client()
    client.force_login(bob)
    progress = reverse("payments:batch_progress", args=[batch.pk])
    partial = client.get(progress, headers={"HX-Request": "true"}).content.decode()
    assert "<strong>Failed</strong> at 2 of 5: The ledger refused the chunk." in partial
    monkeypatch.setattr(batches, "_post_chunk", real)
    tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    assert balance(account) == D("-35.00")
    assert JournalTransaction.objects.filter(source=f"batch {batch.number}").count() == 4


def test_it_refuses_the_import_progress_to_a_field_technician(
    bob, dave, account, business_day
) -> None:
    batch = _import_five(bob, account)
    client = Client()
    client.force_login(dave)
    progress = reverse("payments:batch_progress", args=[batch.pk])
    assert client.get(progress, headers={"HX-Request": "true"}).status_code == 403
    task = batches.lockbox_task(batch)
    shared = reverse("common:task_progress", args=[task.pk])
    assert client.get(shared, headers={"HX-Request": "true"}).status_code == 403


def test_it_fails_a_resumed_import_whose_starter_lost_the_role(
    bob, account, business_day, small_chunks, django_capture_on_commit_callbacks
) -> None:
    batch = _import_five(bob, account)
    task = batches.lockbox_task(batch)
    _worker_dies_after_first_chunk(task)
    bob.groups.clear()
    with django_capture_on_commit_callbacks(execute=True):
        long_tasks.requeue_stuck_tasks()
    task.refresh_from_db()
    assert (task.status, task.done) == (LongTaskStatus.FAILED, 2)
    assert task.last_error == "You do not have permission to do that."
    assert balance(account) == D("-20.00")


def test_it_says_how_many_rows_were_skipped_as_imported_before(bob, account, business_day) -> None:
    first = lockbox_file([(account.number, "10.00")])
    services.lockbox_import(file_name="one.csv", data=first, acting_user=bob)
    again = lockbox_file([(account.number, "10.00"), (account.number, "4.00")])
    batch = services.lockbox_import(file_name="two.csv", data=again, acting_user=bob)
    tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    client = Client()
    client.force_login(bob)
    page = client.get(reverse("payments:batch", args=[batch.pk])).content.decode()
    assert "Imported: <span data-rows-done>1</span> of 1 rows" in page
    assert "(1 already imported before, skipped)" in page
