"""Collections pages, thin: permission, form, service, redirect; one module per page group."""

from .aging import aging_cell, aging_detail, aging_list, explain
from .late_fees import late_fee_detail, late_fee_list, late_fee_waive
from .letters import account_letters, letter_pdf, owner_edit
from .notices import notice_combined_pdf, notice_detail, notice_list, notice_print

__all__ = [
    "account_letters",
    "aging_cell",
    "aging_detail",
    "aging_list",
    "explain",
    "late_fee_detail",
    "late_fee_list",
    "late_fee_waive",
    "letter_pdf",
    "notice_combined_pdf",
    "notice_detail",
    "notice_list",
    "notice_print",
    "owner_edit",
]
