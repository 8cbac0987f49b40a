"""Two uploads of one lockbox file at once: one batch, and the other is told in words."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from payments import services
from payments.models import RemittanceBatch, RemittanceItem
from tests.common.concurrency import run_together

from .lockbox_files import lockbox_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_imports_a_file_sent_twice_at_once_only_once(bob, carol, account, business_day):
    data = lockbox_file([(account.number, "10.00"), (account.number, "5.00")])
    users = [bob, carol]

    results = run_together(
        2,
        lambda i: services.lockbox_import(file_name=f"box{i}.csv", data=data, acting_user=users[i]),
    )

    imported = [r for r in results if isinstance(r, RemittanceBatch)]
    refused = [r for r in results if not isinstance(r, RemittanceBatch)]
    assert len(imported) == 1 and len(refused) == 1
    assert isinstance(refused[0], ValidationError), refused[0]
    message = " ".join(refused[0].messages)
    assert f"This file was already imported as batch {imported[0].number} on " in message
    assert RemittanceBatch.objects.count() == 1 and RemittanceItem.objects.count() == 2


def test_it_skips_rows_two_files_sent_at_once_share(bob, carol, account, business_day):
    shared = (account.number, "10.00")
    files = [lockbox_file([shared]), lockbox_file([shared, (account.number, "4.00")])]
    users = [bob, carol]

    results = run_together(
        2,
        lambda i: services.lockbox_import(
            file_name=f"box{i}.csv", data=files[i], acting_user=users[i]
        ),
    )

    assert all(isinstance(r, RemittanceBatch) for r in results), results
    assert sorted(r.rows_skipped for r in results) == [0, 1]
    assert RemittanceItem.objects.count() == 2  # the shared row once
