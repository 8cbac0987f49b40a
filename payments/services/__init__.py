"""Every write of the payments app: keyword-only, one database transaction each,
taking the acting user and checking permissions. Money goes through ``ledger``.
"""

from __future__ import annotations

from .closeout import closeout_run
from .drawers import drawer_close, drawer_open
from .taking import AccountPart, MiscPart, TenderIn, payment_take, receipt_printed
from .voids import payment_void

__all__ = [
    "AccountPart",
    "MiscPart",
    "TenderIn",
    "closeout_run",
    "drawer_close",
    "drawer_open",
    "payment_take",
    "payment_void",
    "receipt_printed",
]
