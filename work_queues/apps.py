from __future__ import annotations

from django.apps import AppConfig


class WorkQueuesConfig(AppConfig):
    name = "work_queues"
    label = "work_queues"
    verbose_name = "Work queues"

    def ready(self) -> None:
        # A save of a cause model syncs its kind after commit; a new business day
        # starts the sweep of the time-based kinds (``work_queues.signals``).
        from . import signals, tasks  # noqa: F401  (tasks registers the sweep)

        signals.connect()
