"""The daily payment-plan check (run it each morning, after the business day opens):
completes plans paid in full and defaults plans with an installment missed past grace.

    manage.py check_plan_defaults --user carol [--date 2026-12-01]

Chunks of plans are committed one by one, so a stopped run is simply run again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from collections_app.services.plans import plan_defaults_check
from ledger.selectors import open_business_day


class Command(BaseCommand):
    help = "Complete paid payment plans and default the ones with a missed installment."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="The user the check runs as")
        parser.add_argument("--date", help="The day checked (default: the open business date)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        day = open_business_day()
        on = (
            dt.date.fromisoformat(options["date"])
            if options["date"]
            else getattr(day, "date", None)
        )
        if on is None:
            raise CommandError("No business day is open; give --date.")
        counts = plan_defaults_check(on=on, acting_user=user)  # type: ignore[arg-type]
        self.stdout.write(
            f"{counts['checked']} plans checked: {counts['completed']} completed, "
            f"{counts['defaulted']} defaulted."
        )
