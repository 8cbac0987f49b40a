"""Long work of the payments app, run by ``manage.py run_worker`` (immediately in tests).

Lockbox imports are long tasks (``billing_site.common.tasks``): registered here,
recorded by ``lockbox_import``, and run chunk by chunk by ``lockbox_post``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.tasks import task

from billing_site.common.tasks import register_long_task

from .models import RemittanceBatch
from .services.batches import LOCKBOX_TASK, lockbox_chunk, lockbox_finish, lockbox_post_pending

register_long_task(LOCKBOX_TASK, chunk=lockbox_chunk, finish=lockbox_finish)


@task()
def lockbox_post(batch_id: int, user_id: int) -> int:
    """Post a lockbox batch's pending rows as ``user_id``; returns how many rows are done.

    Safe to enqueue again (the Retry button): done chunks are never done again, and
    a run while another worker holds the task returns at once.
    """
    user = get_user_model().objects.get(pk=user_id)
    batch = RemittanceBatch.objects.get(pk=batch_id)
    done = lockbox_post_pending(batch=batch, acting_user=user)
    return done.rows_done
