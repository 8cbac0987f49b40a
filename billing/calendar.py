"""Due dates by the ledger's business calendar.

The adapter: the ledger is gaining ``next_business_date`` (another change, not yet on
main). Until it lands, ``next_business_date`` here reads the ledger's holidays itself
(a weekday that is not a ``ledger.Holiday``, the rule the closeout uses); once
``ledger.selectors.next_business_date`` exists it is used instead, and this fallback
can be deleted.
"""

from __future__ import annotations

from datetime import date, timedelta

from ledger import selectors as ledger_selectors
from ledger.models import Holiday


def next_business_date(day: date) -> date:
    """``day`` itself when it is a business day, else the next one."""
    ledgers = getattr(ledger_selectors, "next_business_date", None)
    if ledgers is not None:
        return ledgers(day - timedelta(days=1))  # the ledger's: the first business day after
    holidays = set(
        Holiday.objects.filter(date__gte=day, date__lte=day + timedelta(days=60)).values_list(
            "date", flat=True
        )
    )
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def due_date(*, bill_date: date, due_days: int) -> date:
    """Bill date + ``due_days``, moved to the next business day."""
    return next_business_date(bill_date + timedelta(days=due_days))
