"""Keep the receivables by aging bucket of the collections dashboard's closed month-ends
(the 12 before the open business day) that are not stored yet:

    manage.py compute_month_end_aging --user carol [--months 24]

Each month-end is computed once and committed on its own; a rerun does only the rest.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from collections_app.services import month_end_aging as service


class Command(BaseCommand):
    help = "Compute and keep the aging buckets of closed month-ends not stored yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--months", type=int, default=service.MONTHS)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        done = service.month_end_aging_store(
            month_ends=service.month_ends(service.dashboard_today(), options["months"]),
            limits=service.default_limits(),
            acting_user=user,  # type: ignore[arg-type]
        )
        self.stdout.write(f"{len(done)} month-ends computed: {', '.join(map(str, done)) or '-'}.")
