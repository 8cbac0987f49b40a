"""Thin views: permission, form, service, redirect. One module per page group."""

from __future__ import annotations

from .decisions import approve, queue, reject, reverse_posting
from .journals import gl_edit, gl_new
from .masters import consolidation, masters
from .refund_register import refund_register
from .refunds import (
    refund_approve,
    refund_detail,
    refund_export,
    refund_export_file,
    refund_new,
    refund_reject,
    refund_withdraw,
    refunds,
)
from .reports import pending, register
from .requests import attachment, detail, index, mine, new_adjustment, new_transfer, withdraw

__all__ = [
    "approve",
    "attachment",
    "consolidation",
    "detail",
    "gl_edit",
    "gl_new",
    "index",
    "masters",
    "mine",
    "new_adjustment",
    "new_transfer",
    "pending",
    "queue",
    "refund_approve",
    "refund_detail",
    "refund_export",
    "refund_export_file",
    "refund_new",
    "refund_register",
    "refund_reject",
    "refund_withdraw",
    "refunds",
    "register",
    "reject",
    "reverse_posting",
    "withdraw",
]
