"""Thin views: permission, form, service, redirect. One module per page group."""

from __future__ import annotations

from .closeout import closeout, closeout_detail, deposit_slip
from .counter import index, lookup, misc, receipt, receipt_pdf, receipt_print, take, void
from .drawers import drawer_close, drawer_detail, drawer_open

__all__ = [
    "closeout",
    "closeout_detail",
    "deposit_slip",
    "drawer_close",
    "drawer_detail",
    "drawer_open",
    "index",
    "lookup",
    "misc",
    "receipt",
    "receipt_pdf",
    "receipt_print",
    "take",
    "void",
]
