"""The date the counter works on, for code below the ledger.

The ledger owns business days, but ``accounts`` (floor 2, below the ledger)
still wants "today at the counter" as a form's default, e.g. an account's start
date. The top floor registers the ledger's open business day here
(``front.apps.FrontConfig.ready``); without one, or with no day open, it is the
calendar date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

_source: Callable[[], dt.date | None] | None = None


def register(source: Callable[[], dt.date | None]) -> None:
    """Name the function that returns the open business date (None when none is open)."""
    global _source
    _source = source


def counter_date() -> dt.date:
    """The open business date, else today's date."""
    found = _source() if _source is not None else None
    return found or timezone.localdate()
