"""The kinds of work item: label, who may work one (a permission), whose shared queue a
new one goes to (a role), and the page where it is worked.

A kind's ``url`` turns an item's source key into that page, without a query, so a list
of any length links every row for free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.urls import reverse

from billing_site.common import roles

from .choices import Priority


def _pk(key: str, part: int = -1) -> int:
    """The id of a source key's part: ``refund:12`` -> 12, ``payment_plan:3/installment:1``."""
    return int(key.split("/")[part].rpartition(":")[2])


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    perm: str  # who may work it
    queue: str  # the role whose shared queue a new item goes to
    app: str  # the app where the work is done
    url: Callable[[str, int | None], str]  # (source key, account id) -> the page
    priority: int = Priority.NORMAL
    manual_close: bool = False  # a person may mark it done (no "resolved" state elsewhere)


SENTINEL = "918273645"


@lru_cache(maxsize=64)
def url_pattern(name: str) -> str:
    """The URL of ``name`` for one integer argument, with a sentinel where the id goes:
    a list of 500 rows fills it in instead of resolving the URL 500 times."""
    return reverse(name, args=[int(SENTINEL)])


def url_of(name: str, pk: object) -> str:
    return url_pattern(name).replace(SENTINEL, str(pk))


def _view(name: str, part: int = -1) -> Callable[[str, int | None], str]:
    return lambda key, _account: url_of(name, _pk(key, part))


def _page(name: str) -> Callable[[str, int | None], str]:
    return lambda _key, _account: reverse(name)


def _account_page(_key: str, account_id: int | None) -> str:
    return url_of("accounts:detail", account_id) if account_id else reverse("home")


FOLLOWUP = "followup"
C, S = roles.COORDINATOR, roles.SUPERVISOR

KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("adjustment", "Adjustment to approve", "adjustments.approve_request", C,
             "adjustments", _view("adjustments:detail")),
        Kind("void", "Void to approve", "payments.void_payment", S, "payments",
             _view("payments:void"), Priority.HIGH),
        Kind("refund", "Refund to approve", "adjustments.approve_refund", S, "adjustments",
             _view("adjustments:refund")),
        Kind("plan_override", "Plan override to decide", "collections.approve_plan_override", S,
             "collections", _view("collections:plan")),
        Kind("write_off", "Write-off to approve", "collections.approve_writeoff", S,
             "collections", _page("collections:write_offs")),
        Kind("lockbox_exception", "Lockbox exception", "payments.manage_batches", C,
             "payments", _page("payments:exceptions")),
        Kind("read_exception", "Read exception", "billing.resolve_readexception", C, "billing",
             _view("billing:exception_resolve")),
        Kind("bill_run_error", "Bill-run error", "billing.add_billrun", C, "billing",
             _view("billing:bill")),
        Kind("high_bill", "High bill to review", "billing.add_billrun", C, "billing",
             _view("billing:bill")),
        Kind("returned_payment", "Returned payment to follow up", "payments.record_return", C,
             "payments", _account_page, manual_close=True),
        Kind("deposit_due_back", "Deposit due back", "ledger.manage_deposits", C,
             "collections", _page("collections:deposit_review")),
        Kind("installment_missed", "Plan installment missed", "collections.add_paymentplan", C,
             "collections", _view("collections:plan", 0)),
        Kind("final_past_due", "Final account past due: referral review",
             "collections.add_writeoff", C, "collections", _account_page, manual_close=True),
        Kind("disconnect_overdue", "Disconnect order overdue",
             "service_orders.dispatch_serviceorder", C, "service_orders",
             _view("service_orders:detail"), Priority.HIGH),
        Kind(FOLLOWUP, "Follow-up", "work_queues.add_followup", C, "work_queues",
             _account_page, manual_close=True),
    )
}  # fmt: skip
SYSTEM_KINDS = [code for code in KINDS if code != FOLLOWUP]
# Causes that come and go with the calendar: only the sweep sees them appear.
TIME_BASED = ["installment_missed", "deposit_due_back", "final_past_due", "disconnect_overdue"]


def kinds_for(user: object) -> list[str]:
    """The kinds this user may work (their permissions are cached for the request)."""
    has_perm = getattr(user, "has_perm", None)
    return [code for code, kind in KINDS.items() if has_perm and has_perm(kind.perm)]


def label_of(code: str) -> str:
    kind = KINDS.get(code)
    return kind.label if kind else code
