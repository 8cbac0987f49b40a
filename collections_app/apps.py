from __future__ import annotations

from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    name = "collections_app"
    label = "collections"
    verbose_name = "Credit and collections"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the aging, late-fee and notice tasks)
