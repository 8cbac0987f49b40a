"""Objects behind the batch, return and report URLs, for the site-wide access test."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import Account
from payments import services
from payments.services.batches import lockbox_task

from .lockbox_files import lockbox_file


def batch_url_values(coordinator: Any, account: Account) -> dict[str, Any]:
    batch = services.batch_create(
        control_count=1, control_total=Decimal("5.00"), acting_user=coordinator
    )
    item = services.batch_add_item(
        batch=batch,
        account_text=account.number,
        amount=Decimal("5.00"),
        check_number="1",
        acting_user=coordinator,
    )
    lockbox = services.lockbox_import(
        file_name="access.csv",
        data=lockbox_file([(account.number, "1.00")], batch=77),
        acting_user=coordinator,
    )
    task = lockbox_task(lockbox)
    assert task is not None
    return {"batch_pk": batch.pk, "item_pk": item.pk, "report": "journal", "task_pk": task.pk}
