"""Views of the accounts app: thin (permission, form, service, redirect)."""

from __future__ import annotations

from .flags import flag_clear, flag_set
from .maintain import customer_edit, forwarding_address, note_add, status_change
from .master import master, master_set, sub_attach, sub_detach
from .opening import open_account
from .search import party_search, search

__all__ = [
    "customer_edit",
    "flag_clear",
    "flag_set",
    "forwarding_address",
    "master",
    "master_set",
    "note_add",
    "open_account",
    "party_search",
    "search",
    "status_change",
    "sub_attach",
    "sub_detach",
]
