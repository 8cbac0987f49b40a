"""The proof register of a bill run: what a coordinator reviews before money moves.

Counts and totals by service, by GL revenue account and fund, and by account class;
the accounts that could not be billed; and exception lists by rule:

* ``zero``: bills of no new charges;
* ``negative``: bills whose new charges are below zero;
* ``high``: new charges over ``BILLING_RUN_HIGH_PERCENT`` (default 200) percent of
  the account's usual (the average of its last three posted bills);
* ``estimated``: bills with an estimated read;
* ``first`` / ``final``: bills for part of the period (service started or stopped).

The percent is a setting (``settings.BILLING_RUN_HIGH_PERCENT``), so a city sets its
own threshold; rules are listed in ``EXCEPTION_RULES`` in the order shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum

from ..choices import BillStatus
from ..models import Bill, BillLine, BillRun

ZERO = Decimal("0.00")
EXCEPTION_RULES = (
    ("zero", "Zero bills"),
    ("negative", "Negative bills"),
    ("high", "Over the usual"),
    ("estimated", "Estimated reads"),
    ("first", "First bills"),
    ("final", "Final bills"),
)


@dataclass(frozen=True)
class Total:
    label: str
    count: int
    amount: Decimal


@dataclass
class ProofRegister:
    run: BillRun
    bills: int
    total: Decimal
    by_service: list[Total]
    by_revenue_gl: list[Total]
    by_account_class: list[Total]
    errors: list[Bill]
    exceptions: dict[str, list[Bill]] = field(default_factory=dict)


def proof_register(run: BillRun) -> ProofRegister:
    billed = Bill.objects.filter(run=run, status__in=[BillStatus.DRAFT, BillStatus.POSTED])
    lines = BillLine.objects.filter(bill__in=billed)
    by_service = [
        Total(f"{r['service__code']} {r['service__name']}", r["n"], r["t"])
        for r in lines.values("service__code", "service__name")
        .annotate(n=Count("bill", distinct=True), t=Sum("amount"))
        .order_by("service__code")
    ]
    by_gl = [
        Total(
            f"{r['service__revenue_gl__code']} {r['service__revenue_gl__name']} "
            f"(fund {r['service__revenue_gl__fund__code']})",
            r["n"],
            r["t"],
        )
        for r in lines.values(
            "service__revenue_gl__code",
            "service__revenue_gl__name",
            "service__revenue_gl__fund__code",
        )
        .annotate(n=Count("bill", distinct=True), t=Sum("amount"))
        .order_by("service__revenue_gl__code")
    ]
    by_class = [
        Total(r["account__account_class"], r["n"], r["t"])
        for r in billed.values("account__account_class")
        .annotate(n=Count("pk"), t=Sum("new_charges"))
        .order_by("account__account_class")
    ]
    total = billed.aggregate(t=Sum("new_charges"))["t"] or ZERO
    errors = list(
        Bill.objects.filter(run=run, status__in=[BillStatus.ERROR, BillStatus.EXCLUDED])
        .select_related("account")
        .order_by("account__number")
    )
    register = ProofRegister(run, billed.count(), total, by_service, by_gl, by_class, errors)
    register.exceptions = exceptions(list(billed.select_related("account").order_by("pk")))
    return register


def exceptions(bills: list[Bill]) -> dict[str, list[Bill]]:
    """Each rule's bills (a bill may be on several lists)."""
    found: dict[str, list[Bill]] = {code: [] for code, _label in EXCEPTION_RULES}
    usual = usual_charges([b.account_id for b in bills])
    high = Decimal(settings.BILLING_RUN_HIGH_PERCENT)
    for bill in bills:
        new = bill.new_charges.amount
        typical = usual.get(bill.account_id)
        checks = {
            "zero": new == ZERO,
            "negative": new < ZERO,
            "high": typical is not None and typical > ZERO and new > typical * high / 100,
            "estimated": bill.estimated,
            "first": bill.first_bill,
            "final": bill.final_bill,
        }
        for code, hit in checks.items():
            if hit:
                found[code].append(bill)
    return found


def usual_charges(account_ids: list[int], *, bills: int = 3) -> dict[int, Decimal]:
    """Average new charges of each account's last ``bills`` posted bills."""
    recent: dict[int, list[Decimal]] = defaultdict(list)
    for account_id, amount in (
        Bill.objects.filter(account_id__in=account_ids, status=BillStatus.POSTED)
        .order_by("account_id", "-number")
        .values_list("account_id", "new_charges")
    ):
        if len(recent[account_id]) < bills:
            recent[account_id].append(amount)
    return {pk: sum(v, ZERO) / len(v) for pk, v in recent.items()}
