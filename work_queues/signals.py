"""Saves of cause models sync their work items right after commit.

Connected in ``WorkQueuesConfig.ready()``: the owning apps never call work_queues (it sits
above them). A save touching a few causes (its own row) syncs those keys at once, after
the commit of the work that made it; a save that may touch a whole kind (a bill run moving
to review) enqueues a sync of the kind for a worker. A failure here never undoes the work
that was committed: it is logged and the next sweep puts the item right. A new business
day starts the sweep of every kind (``tasks.sweep_start``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from ledger.models import BusinessDay

from .sources import SOURCES, watched_models

log = logging.getLogger(__name__)


def _after_commit(sender: type, instance: Any, created: bool) -> None:
    from . import services, tasks

    for source in SOURCES.values():
        keys_of = source.watches.get(sender)
        if keys_of is None:
            continue
        try:
            keys = keys_of(instance, created)
            if keys is None:
                tasks.sync_kind.enqueue(source.kind)
            elif keys:
                services.work_items_sync(kind=source.kind, keys=keys)
        except Exception:  # the owner's work is committed; the sweep catches up
            log.exception("work item sync of %s after a %s save", source.kind, sender.__name__)


def _saved(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # fixtures loading
        return
    transaction.on_commit(lambda: _after_commit(sender, instance, created))


def _deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _after_commit(sender, instance, False))


def _day_opened(sender: type, instance: BusinessDay, created: bool = False, **kw: Any) -> None:
    if created and instance.opened_by_id and not kw.get("raw"):
        transaction.on_commit(lambda: _sweep(instance))


def _sweep(day: BusinessDay) -> None:
    from . import tasks

    try:
        tasks.sweep_start(day=day)
    except Exception:  # the day is open; the sweep is retried from its task page or cron
        log.exception("work item sweep for %s", day.date)


def connect() -> None:
    for model in watched_models():
        post_save.connect(_saved, sender=model, dispatch_uid=f"work-items-{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"work-items-del-{model.__name__}")
    post_save.connect(_day_opened, sender=BusinessDay, dispatch_uid="work-items-day-opened")
