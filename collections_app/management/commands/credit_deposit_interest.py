"""Credit interest on every deposit held, for a period (run it on the schedule the city
sets, e.g. yearly with --months 12, or monthly with --months 1):

    manage.py credit_deposit_interest --user carol --period-end 2026-12-31 --months 12

Once per account and period: a rerun of the same period credits nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from collections_app.services.deposits import deposit_interest_run


class Command(BaseCommand):
    help = "Credit interest at the annual rate to every security deposit held."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--period-end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--months", type=int, default=12)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        period_end = dt.date.fromisoformat(options["period_end"])
        done = deposit_interest_run(
            period_end=period_end,
            months=options["months"],
            acting_user=user,  # type: ignore[arg-type]
        )
        self.stdout.write(f"Interest {done['interest']} credited to {done['accounts']} deposits.")
