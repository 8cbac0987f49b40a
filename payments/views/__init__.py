"""Thin views: permission, form, service, redirect. One module per page group."""

from __future__ import annotations

from .batches import (
    batch,
    batch_cancel,
    batch_item_add,
    batch_item_edit,
    batch_item_remove,
    batch_post,
    batch_progress,
    batch_retry,
    batches,
    exceptions,
    item_resolve,
    lockbox_upload,
)
from .closeout import closeout, closeout_detail, deposit_slip
from .counter import (
    index,
    lookup,
    misc,
    receipt,
    receipt_pdf,
    receipt_print,
    receipts,
    take,
    void,
    void_decline,
    void_queue,
    void_request,
)
from .drawers import drawer_close, drawer_detail, drawer_open, drawer_reopen
from .reports import report, reports
from .returns import return_item, return_payment

__all__ = [
    "batch",
    "batch_cancel",
    "batch_item_add",
    "batch_item_edit",
    "batch_item_remove",
    "batch_post",
    "batch_progress",
    "batch_retry",
    "batches",
    "closeout",
    "closeout_detail",
    "deposit_slip",
    "drawer_close",
    "drawer_detail",
    "drawer_open",
    "drawer_reopen",
    "exceptions",
    "index",
    "item_resolve",
    "lockbox_upload",
    "lookup",
    "misc",
    "receipt",
    "receipt_pdf",
    "receipt_print",
    "receipts",
    "report",
    "reports",
    "return_item",
    "return_payment",
    "take",
    "void",
    "void_decline",
    "void_queue",
    "void_request",
]
