"""Due dates by the ledger's business calendar (holidays are the ledger's)."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.services import next_business_date as ledger_next_business_date


def next_business_date(day: date) -> date:
    """``day`` itself when it is a business day, else the next one."""
    return ledger_next_business_date(day - timedelta(days=1))  # the first business day after


def due_date(*, bill_date: date, due_days: int) -> date:
    """Bill date + ``due_days``, moved to the next business day."""
    return next_business_date(bill_date + timedelta(days=due_days))
