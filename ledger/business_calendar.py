"""The business calendar: holidays, the next business date, closing a day and opening the next.

Every posting carries the open business day's date. The end-of-day closeout
(``payments``) locks the open day with :func:`lock_open_business_day` (postings
take KEY SHARE on that row, so none slips in while the day closes), does its
own work, then calls :func:`business_day_close`, which closes the day and opens
the next weekday that is not a :class:`~ledger.models.Holiday`.

PostgreSQL guards the calendar too (migrations 0002 and 0008): a closed day
never reopens or changes, no day is deleted, and a new day must be open and
later than every closed day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing_site.common.roles import require_perm

from .choices import DayStatus
from .errors import PostingRefused
from .models import BusinessDay, Holiday

OPEN_PERM = "ledger.post_transaction"
CLOSE_PERM = "ledger.close_business_day"


def next_business_date(day: date) -> date:
    """The next weekday after ``day`` that is not a holiday (kept in the admin)."""
    following = day + timedelta(days=1)
    closed = set(
        Holiday.objects.filter(
            date__gte=following, date__lte=following + timedelta(days=60)
        ).values_list("date", flat=True)
    )
    while following.weekday() >= 5 or following in closed:
        following += timedelta(days=1)
    return following


def lock_open_business_day() -> BusinessDay | None:
    """The open day, locked until the caller's transaction ends (call inside one)."""
    return BusinessDay.objects.select_for_update().filter(status=DayStatus.OPEN).first()


@transaction.atomic
def business_day_open(*, on: date, acting_user: Any) -> BusinessDay:
    """Open the business day ``on``; refused while another day is open or if it was closed."""
    require_perm(acting_user, OPEN_PERM)
    if lock_open_business_day() is not None:
        raise PostingRefused("A business day is already open; close it first.")
    existing = BusinessDay.objects.filter(date=on).first()
    if existing is not None:
        raise PostingRefused(f"Business day {on} was already closed; it cannot reopen.")
    later = BusinessDay.objects.filter(date__gt=on).exists()
    if later:
        raise PostingRefused(f"A later business day than {on} already exists.")
    return BusinessDay.objects.create(date=on, opened_by=acting_user, opened_at=timezone.now())


@transaction.atomic
def business_day_close(
    *, day: BusinessDay, acting_user: Any, next_date: date | None = None
) -> BusinessDay:
    """Close the open ``day`` and open the next business date (or ``next_date``).

    Returns the day now open. Refused unless ``day`` is the open day; whoever
    closes needs ``ledger.close_business_day`` (supervisors) besides the right
    to open days.
    """
    require_perm(acting_user, CLOSE_PERM, OPEN_PERM)
    locked = lock_open_business_day()
    if locked is None or locked.pk != day.pk:
        raise PostingRefused(f"Business day {day.date} is not the open day.")
    following = next_date or next_business_date(locked.date)
    if following <= locked.date:
        raise PostingRefused(f"The next business day must be after {locked.date}.")
    locked.status = DayStatus.CLOSED
    locked.closed_by = acting_user
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_by", "closed_at"])
    day.status, day.closed_by, day.closed_at = locked.status, locked.closed_by, locked.closed_at
    return business_day_open(on=following, acting_user=acting_user)
