"""Long work of billing, run by ``manage.py run_worker`` (immediately in tests): the read
import is a long task (``billing_site.common.tasks``), registered here."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.tasks import task

from billing_site.common.models import LongTask
from billing_site.common.tasks import register_long_task

from .bills import printing, runs
from .models import ReadImport
from .services.imports import (
    READ_IMPORT_TASK,
    read_import_chunk,
    read_import_finish,
    read_import_run,
)

register_long_task(READ_IMPORT_TASK, chunk=read_import_chunk, finish=read_import_finish)


@task()
def read_import(read_import_id: int, user_id: int) -> int:
    """Check and store an imported file's reads; returns how many were stored."""
    user = get_user_model().objects.get(pk=user_id)
    done = read_import_run(read_import=ReadImport.objects.get(pk=read_import_id), acting_user=user)
    return done.stored


# Several workers share a run's Calculate and Post (chunks claimed with advisory locks).
register_long_task(
    runs.CALCULATE_TASK,
    chunk=runs.bill_run_calculate_chunk,
    finish=runs.bill_run_calculate_finish,
    parallel=True,
)
register_long_task(
    runs.POST_TASK, chunk=runs.bill_run_post_chunk, finish=runs.bill_run_post_finish, parallel=True
)
register_long_task(
    printing.PRINT_TASK,
    chunk=printing.bill_run_print_chunk,
    prepare=printing.bill_run_print_prepare,
    finish=printing.bill_run_print_finish,
)


@task()
def bill_run_task(task_pk: int) -> str:
    """Calculate, post or print a bill run (whichever long task ``task_pk`` is)."""
    return runs.bill_run_resume(task=LongTask.objects.get(pk=task_pk)).status
