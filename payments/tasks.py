"""Long work of the payments app, run by ``manage.py db_worker`` (immediately in tests)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.tasks import task

from .models import RemittanceBatch
from .services.batches import lockbox_post_pending


@task()
def lockbox_post(batch_id: int, user_id: int) -> int:
    """Post a lockbox batch's pending rows; returns how many rows are done.

    Safe to enqueue again (the Retry button): posted rows are never pending again.
    """
    user = get_user_model().objects.get(pk=user_id)
    batch = RemittanceBatch.objects.get(pk=batch_id)
    try:
        done = lockbox_post_pending(batch=batch, acting_user=user)
    except Exception as error:
        RemittanceBatch.objects.filter(pk=batch_id).update(last_error=str(error)[:500])
        raise
    RemittanceBatch.objects.filter(pk=batch_id).update(last_error="")
    return done.rows_done
