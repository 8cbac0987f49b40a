"""Long work of collections, run by ``manage.py run_worker`` (immediately in tests): the
aging, the late-fee run's calculate and post stages and the notice run's stages are long
tasks (``billing_site.common.tasks``), registered here."""

from __future__ import annotations

from django.tasks import task

from billing_site.common.models import LongTask
from billing_site.common.tasks import register_long_task, run_long_task

from .services import aging, late_fees, month_end_aging, notices

register_long_task(aging.AGING_TASK, chunk=aging.aging_chunk, finish=aging.aging_finish)


@task()
def collections_task(task_pk: int) -> str:
    """Run (or resume) any of the collections long tasks."""
    return run_long_task(task=LongTask.objects.get(pk=task_pk)).status


register_long_task(
    late_fees.CALCULATE_TASK,
    chunk=late_fees.late_fee_calculate_chunk,
    finish=late_fees.late_fee_calculate_finish,
)
register_long_task(
    late_fees.POST_TASK, chunk=late_fees.late_fee_post_chunk, finish=late_fees.late_fee_post_finish
)
register_long_task(
    notices.SEND_TASK, chunk=notices.notice_send_chunk, finish=notices.notice_send_finish
)

register_long_task(month_end_aging.TASK, chunk=month_end_aging.month_end_aging_chunk)
