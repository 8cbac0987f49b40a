"""Days counted on the ledger's business calendar (weekends and ``ledger.Holiday``).

Worked rule for grace and timeline steps, each a test in tests/collections_app:

* calendar days: the last day is the start date + N days; when that day is a weekend or
  a holiday the office is closed, so the last day moves to the next business date
  (due Fri Nov 20 + 10 calendar days = Mon Nov 30; due Mon Nov 16 + 10 = Thu Nov 26,
  Thanksgiving, moves to Fri Nov 27);
* business days: the Nth business date after the start date (due Fri Nov 20 + 3
  business days = Wed Nov 25; with Thanksgiving on Thu Nov 26, + 4 = Fri Nov 27).

A late fee is assessed by a run dated *after* the last day of grace (paying on the last
day is on time). A notice step is due on its day: a run dated on or after it.
"""

from __future__ import annotations

from datetime import date, timedelta

from ledger.business_calendar import next_business_date
from ledger.models import Holiday

from .choices import DayKind


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not Holiday.objects.filter(date=day).exists()


def days_after(start: date, days: int, kind: str) -> date:
    """The day that is ``days`` calendar or business days after ``start``."""
    if kind == DayKind.BUSINESS:
        day = start
        for _ in range(days):
            day = next_business_date(day)
        return day
    day = start + timedelta(days=days)
    return day if is_business_day(day) else next_business_date(day)
