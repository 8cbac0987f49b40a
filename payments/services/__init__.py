"""Every write of the payments app: keyword-only, one database transaction each,
taking the acting user and checking permissions. Money goes through ``ledger``.
"""

from __future__ import annotations

from .batches import (
    batch_add_item,
    batch_cancel,
    batch_create,
    batch_edit_item,
    batch_post,
    batch_remove_item,
    item_post_to,
    item_reject,
    lockbox_import,
    lockbox_post_pending,
)
from .closeout import closeout_run, next_business_date
from .drawers import drawer_close, drawer_open, drawer_reopen
from .returns import payment_return
from .taking import AccountPart, MiscPart, TenderIn, payment_take, receipt_printed
from .voids import payment_void, payment_void_decline, payment_void_request

__all__ = [
    "AccountPart",
    "MiscPart",
    "TenderIn",
    "batch_add_item",
    "batch_cancel",
    "batch_create",
    "batch_edit_item",
    "batch_post",
    "batch_remove_item",
    "closeout_run",
    "drawer_close",
    "drawer_open",
    "drawer_reopen",
    "item_post_to",
    "item_reject",
    "lockbox_import",
    "lockbox_post_pending",
    "next_business_date",
    "payment_return",
    "payment_take",
    "payment_void",
    "payment_void_decline",
    "payment_void_request",
    "receipt_printed",
]
