"""Causes made through the owning apps' services, for the work-queue tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import Account
from adjustments import services as adjustments
from adjustments.models import AdjustmentReason, AdjustmentRequest
from billing.models import ReadException
from billing.services.imports import read_import_run, read_import_start
from payments import services as payments
from payments.models import RemittanceItem
from tests.factories import service
from tests.payments.lockbox_files import lockbox_file


def adjustment(account: Account, by: Any, amount: str = "10.00") -> AdjustmentRequest:
    return adjustments.request_adjustment(
        account=account, direction="credit", reason=AdjustmentReason.objects.get(code="LEAK"),
        amounts=[(service("WATER"), Decimal(amount))], memo="Leak at the meter", acting_user=by,
    )  # fmt: skip


def lockbox_file_in(by: Any, count: int, *, batch: int = 1) -> Any:
    """Import a lockbox file of ``count`` rows naming no account: each waits for a person
    (the import runs after commit: call inside ``django_capture_on_commit_callbacks``)."""
    from payments import tasks

    rows = [(f"9{n:07d}", "12.50") for n in range(count)]
    made = payments.lockbox_import(
        file_name=f"box-{batch}.csv", data=lockbox_file(rows, batch=batch), acting_user=by
    )
    tasks.lockbox_post.enqueue(made.pk, by.pk)
    return made


def exceptions_of(batch: Any) -> list[RemittanceItem]:
    return list(RemittanceItem.objects.filter(batch=batch, status="exception").order_by("pk"))


def read_exceptions(by: Any, count: int, tag: str = "A") -> list[ReadException]:
    lines = "".join(f"NO-METER-{tag}{n},,2025-01-05,10,01\n" for n in range(count))
    data = ("meter,account,read_date,reading,read_code\n" + lines).encode()
    made, _ = read_import_start(file_name=f"reads-{tag}.csv", data=data, format="csv",
                                acting_user=by)  # fmt: skip
    read_import_run(read_import=made)
    return list(made.readexception_set.order_by("pk"))
