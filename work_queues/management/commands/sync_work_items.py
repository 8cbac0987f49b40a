"""Sync work items with their causes: ``manage.py sync_work_items [--kind KIND]``.

Run it from cron (hourly is plenty) beside the sweep that starts when a business day
opens: it catches the time-based causes (an installment missed today) and changes made
by bulk paths that send no signals. Safe to run at any time, twice at once included."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from work_queues.kinds import SYSTEM_KINDS
from work_queues.services import work_items_sync


class Command(BaseCommand):
    help = "Open the work items of new causes and close those whose work is done."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kind", choices=SYSTEM_KINDS, help="only this kind")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = [options["kind"]] if options["kind"] else SYSTEM_KINDS
        for kind in kinds:
            try:
                result = work_items_sync(kind=kind)
            except Exception as error:
                raise CommandError(f"{kind}: {error}") from error
            self.stdout.write(
                f"{kind}: {result.opened} opened, {result.closed} closed, "
                f"{result.reopened} opened again"
            )
