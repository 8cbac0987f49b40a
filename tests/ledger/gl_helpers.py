"""Helpers for the GL interface file tests: close the open day after some postings."""

from __future__ import annotations

from typing import Any

from ledger import services
from ledger.models import BusinessDay
from ledger.selectors import open_business_day


def close_open_day(supervisor: Any) -> BusinessDay:
    """Close the open business day (opening the next); the closed day, read fresh."""
    day = open_business_day()
    assert day is not None
    services.business_day_close(day=day, acting_user=supervisor)
    return BusinessDay.objects.get(pk=day.pk)


def gl_url_values(supervisor: Any) -> dict[str, int]:
    """A closed business day behind the GL export URLs (closes the open day)."""
    return {"day_pk": close_open_day(supervisor).pk}
