"""System items appear with their cause and close when the work is done in the owning app."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from adjustments import services as adjustments
from billing.services.reads import read_exception_request_reread
from payments import services as payments
from tests.factories import make_account
from work_queues.choices import ItemStatus
from work_queues.models import WorkItem
from work_queues.services import work_items_sync

from .helpers import adjustment, exceptions_of, lockbox_file_in, read_exceptions


def items(kind: str) -> list[WorkItem]:
    return list(WorkItem.objects.filter(kind=kind).order_by("pk"))


def test_it_opens_an_approval_item_on_commit_and_closes_it_when_approved(
    bob, carol, account, business_day, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request = adjustment(account, bob)
    [item] = items("adjustment")
    assert item.source_key == f"adjustment_request:{request.pk}" and item.account == account
    assert item.status == ItemStatus.OPEN and item.assigned_group.name == "Coordinator"
    assert f"request {request.number}" in item.why
    with django_capture_on_commit_callbacks(execute=True):
        adjustments.request_approve(adjustment_request=request, acting_user=carol)
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.closed_by == carol
    assert item.close_note == "approved and posted in adjustments by carol"
    assert item.closed_at is not None and item.closed_in == "adjustments"
    last = item.history.first()
    assert last.history_user == carol and "approved" in last.history_change_reason


def test_it_closes_a_lockbox_exception_resolved_on_the_exceptions_page(
    bob, business_day, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        batch = lockbox_file_in(bob, 2)
    rows = exceptions_of(batch)
    assert len(rows) == 2
    work_items_sync(kind="lockbox_exception")  # the sweep finds nothing new: never twice
    assert [i.source_key for i in items("lockbox_exception")] == [
        f"remittance_item:{r.pk}" for r in rows
    ]
    with django_capture_on_commit_callbacks(execute=True):
        payments.item_reject(item=rows[0], reason="No such account", acting_user=bob)
    first, second = items("lockbox_exception")
    assert first.status == ItemStatus.DONE and first.close_note == "rejected in payments by bob"
    assert second.status == ItemStatus.OPEN


def test_it_closes_a_read_exception_sent_for_a_reread(bob) -> None:
    [exception] = read_exceptions(bob, 1)
    assert work_items_sync(kind="read_exception").opened == 1  # no on-commit here: the sweep
    read_exception_request_reread(exception=exception, acting_user=bob, reason="Dial smudged")
    result = work_items_sync(kind="read_exception", keys=[f"read_exception:{exception.pk}"])
    assert result.closed == 1
    [item] = items("read_exception")
    assert item.status == ItemStatus.DONE and item.closed_by == bob


def test_it_keeps_an_item_a_person_closed_closed_and_never_opens_one_twice(bob, account) -> None:
    request = adjustment(account, bob)
    assert work_items_sync(kind="adjustment").opened == 1
    assert work_items_sync(kind="adjustment").opened == 0
    assert WorkItem.objects.filter(source_key=f"adjustment_request:{request.pk}").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_opens_each_item_once_when_two_syncs_race() -> None:
    from tests.factories import make_user

    bob = make_user("bob", "Coordinator")
    account = make_account(bob)
    for _ in range(5):
        adjustment(account, bob)
    WorkItem.objects.all().delete()  # made on commit; the race starts from none
    results, barrier = [], threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            results.append(work_items_sync(kind="adjustment").opened)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in ([0, 5], [1, 4], [2, 3]) and sum(results) == 5
    assert WorkItem.objects.filter(kind="adjustment").count() == 5
    now = WorkItem.objects.values_list("pk", flat=True)
    assert WorkItem.history.filter(id__in=list(now), history_type="+").count() == 5
