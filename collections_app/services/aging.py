"""Aging runs: started by a person, computed by a long task in chunks of accounts (each
chunk one INSERT ... SELECT of the FIFO parts, committed with the task's chunk row, so a
resumed task never does a chunk twice), finished with the reconciliation totals."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.choices import FlagKind
from accounts.models import Account, AccountFlag
from billing_site.common.models import LongTask
from billing_site.common.roles import require_perm
from billing_site.common.tasks import ChunkResult, start_long_task
from ledger.choices import GLRole
from ledger.models import GLAccount, Service
from ledger.selectors import open_business_day

from .. import fifo
from ..choices import AgingStatus
from ..models import AgingLine, AgingRun

AGING_TASK = "collections.aging"
RUN_PERM = "collections.add_agingrun"
VIEW_PERM = "collections.view_agingrun"
CHUNK = 10_000
WORK_MEM = "64MB"


def default_limits() -> list[int]:
    return list(settings.COLLECTIONS_AGING_BUCKETS)


def latest_as_of() -> date:
    day = open_business_day()
    return max(day.date, timezone.localdate()) if day else timezone.localdate()


def check_limits(limits: list[int]) -> list[int]:
    if not 1 <= len(limits) <= 7:
        raise ValidationError({"limits": "Give one to seven bucket limits, e.g. 30, 60, 90, 120."})
    if any(b <= a for a, b in pairwise(limits)) or limits[0] < 1:
        raise ValidationError({"limits": "Bucket limits must go up, from at least 1 day."})
    return limits


@transaction.atomic
def aging_run_start(*, as_of: date, acting_user: User, limits: list[int] | None = None) -> AgingRun:
    """Record an aging as of ``as_of`` and start its task (one chunk per 10,000 accounts)."""
    require_perm(acting_user, RUN_PERM)
    if as_of > latest_as_of():
        raise ValidationError({"as_of": "An aging is of the open business day or a day before."})
    run = AgingRun.objects.create(
        as_of=as_of, limits=check_limits(limits or default_limits()), created_by=acting_user
    )
    task = start_long_task(
        kind=AGING_TASK, subject=run, total=Account.objects.count(), chunk_size=CHUNK,
        view_permission=VIEW_PERM, acting_user=acting_user, label=str(run),
    )  # fmt: skip
    from .. import tasks

    transaction.on_commit(lambda: tasks.collections_task.enqueue(task.pk))
    return run


def _insert_sql(limits: list[int]) -> str:
    account, flag = Account._meta.db_table, AccountFlag._meta.db_table
    service, gl = Service._meta.db_table, GLAccount._meta.db_table
    fields = "run_id, account_id, rollup_id, service_id, fund_id, account_class, status, bucket"
    status = f"""CASE WHEN f.id IS NOT NULL THEN '{AgingStatus.IN_COLLECTIONS}'
        WHEN a.status IN ('active', 'final') THEN a.status ELSE '{AgingStatus.OTHER}' END"""
    where = "e.account_id BETWEEN %(lo)s AND %(hi)s"
    return f"""
    WITH buckets AS ({fifo.bucket_parts_sql(where, limits)})
    , unapplied AS ({fifo.unapplied_sql().format(where=where)})
    , together AS (
        SELECT account_id, service_id, bucket, amount FROM buckets
        UNION ALL SELECT account_id, NULL, 0, amount FROM unapplied
    )
    INSERT INTO {AgingLine._meta.db_table} ({fields}, amount)
    SELECT %(run)s, x.account_id, COALESCE(a.master_id, a.id), x.service_id, g.fund_id,
           a.account_class, {status}, x.bucket, x.amount
    FROM together x
    JOIN {account} a ON a.id = x.account_id
    LEFT JOIN {service} s ON s.id = x.service_id
    LEFT JOIN {gl} g ON g.id = s.receivable_gl_id
    LEFT JOIN {flag} f ON f.account_id = a.id AND f.kind = '{FlagKind.IN_COLLECTIONS}'
         AND f.cleared_at IS NULL AND (f.expires_on IS NULL OR f.expires_on >= %(as_of)s)
    """


def aging_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Chunk ``number``: the accounts number*size.. in key order, aged in one statement."""
    run = AgingRun.objects.get(pk=int(task.subject_id))
    ids = list(
        Account.objects.order_by("pk").values_list("pk", flat=True)[
            number * task.chunk_size : (number + 1) * task.chunk_size
        ]
    )
    if ids:
        params: dict[str, Any] = {"run": run.pk, "as_of": run.as_of, "lo": ids[0], "hi": ids[-1]}
        with connection.cursor() as cursor:
            # the chunk's groupings and sorts in memory, for this transaction only
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute(_insert_sql(list(run.limits)), params)
    return ChunkResult(done=len(ids))


def aging_finish(*, task: LongTask, acting_user: User) -> None:
    """The reconciliation: the aging total beside the receivable GL balance on that date."""
    run = AgingRun.objects.select_for_update().get(pk=int(task.subject_id))
    lines = AgingLine.objects.filter(run=run)
    run.aging_total = lines.filter(service__isnull=False).aggregate(t=Sum("amount"))["t"] or 0
    run.unapplied_total = lines.filter(service__isnull=True).aggregate(t=Sum("amount"))["t"] or 0
    gl = fifo.gl_balances([GLRole.RECEIVABLE, GLRole.UNAPPLIED_CREDIT], as_of=run.as_of)
    run.receivable_gl_total = gl[GLRole.RECEIVABLE]
    run.unapplied_gl_total = gl[GLRole.UNAPPLIED_CREDIT]
    run.status = "done"
    run.finished_at = timezone.now()
    run.save()
