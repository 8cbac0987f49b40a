"""Reads of collections: a kept aging by any grouping and its cells' accounts, one
account's aging and its open bills ("explain this balance"), runs and lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from accounts.choices import AccountClass
from accounts.models import Account
from billing.models import Bill
from billing_site.common.money import ZERO, format_money
from ledger.models import Fund, JournalTransaction, Service

from . import fifo
from .choices import AgingGroup, AgingStatus
from .models import AgingLine, AgingRun, Letter
from .models.aging import bucket_labels
from .services.aging import default_limits

GROUP_COLUMN = {
    AgingGroup.SERVICE: "service_id",
    AgingGroup.FUND: "fund_id",
    AgingGroup.ACCOUNT_CLASS: "account_class",
    AgingGroup.STATUS: "status",
}


@dataclass
class AgingRow:
    """One row of an aging: what it groups (key, label) and an amount per bucket."""

    key: str
    label: str
    amounts: list[Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


def _labels(by: str, keys: list[str]) -> dict[str, str]:
    if by == AgingGroup.SERVICE:
        return {str(s.pk): s.name for s in Service.objects.filter(pk__in=keys)}
    if by == AgingGroup.FUND:
        return {str(f.pk): str(f) for f in Fund.objects.filter(pk__in=keys)}
    if by == AgingGroup.ACCOUNT_CLASS:
        return {k: str(AccountClass(k).label) for k in keys if k in AccountClass.values}
    return {k: str(AgingStatus(k).label) for k in keys if k in AgingStatus.values}


def aging_table(run: AgingRun, *, by: str = AgingGroup.SERVICE) -> list[AgingRow]:
    """The run's open amounts grouped ``by`` service, fund, class or status, per bucket
    (unapplied credits are not in it: they are shown apart, beside the reconciliation)."""
    column = GROUP_COLUMN[AgingGroup(by)]
    sums = (
        AgingLine.objects.filter(run=run, service__isnull=False)
        .values_list(column, "bucket")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    width = len(run.limits) + 1
    grid: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * width)
    for key, bucket, total in sums:
        grid[str(key)][bucket] += total
    labels = _labels(by, list(grid))
    rows = [AgingRow(key, labels.get(key, key), amounts) for key, amounts in grid.items()]
    return sorted(rows, key=lambda r: r.label)


def aging_totals(rows: list[AgingRow], width: int) -> list[Decimal]:
    return [sum((r.amounts[n] for r in rows), ZERO) for n in range(width)]


@dataclass(frozen=True)
class CellRow:
    """An account (a master with its sub-accounts summed) in one cell of an aging."""

    account: Account
    amount: Decimal
    sub_accounts: int


def aging_cell(run: AgingRun, *, by: str, key: str, bucket: int | None) -> list[CellRow]:
    """The accounts behind a cell (``bucket`` None: the row's total), largest first."""
    lines = AgingLine.objects.filter(run=run, service__isnull=False)
    lines = lines.filter(**{GROUP_COLUMN[AgingGroup(by)]: key})
    if bucket is not None:
        lines = lines.filter(bucket=bucket)
    sums = list(
        lines.values("rollup_id")
        .annotate(total=Sum("amount"), subs=Count("account_id", distinct=True))
        .order_by("-total", "rollup_id")[:2000]
    )
    accounts = Account.objects.select_related("customer", "premise").in_bulk(
        [s["rollup_id"] for s in sums]
    )
    return [
        CellRow(
            accounts[s["rollup_id"]],
            s["total"],
            s["subs"] if accounts[s["rollup_id"]].is_master else 0,
        )
        for s in sums
    ]


def account_aging(
    account_id: int, *, as_of: date, limits: list[int] | None = None
) -> dict[str, Decimal]:
    """One account's open amounts by age from the bill date (FIFO), as of ``as_of``."""
    limits = limits or default_limits()
    labels = bucket_labels(limits)
    result = dict.fromkeys(labels, ZERO)
    for _account, part in fifo.account_charge_parts([account_id], as_of=as_of):
        result[labels[_bucket_of(part.charge_date, as_of, limits)]] += part.open_part
    return result


def _bucket_of(charge_date: date | None, as_of: date, limits: list[int]) -> int:
    if charge_date is None:
        return len(limits)
    age = (as_of - charge_date).days
    return next((n for n, limit in enumerate(limits) if age <= limit), len(limits))


@dataclass
class OpenItem:
    """A bill (or a fee or other charge) still open as of a date: what is left of it."""

    transaction: JournalTransaction | None
    bill: Bill | None
    charge_date: date | None
    charged: Decimal = ZERO
    open_amount: Decimal = ZERO
    by_service: dict[str, Decimal] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.bill is not None:
            return f"Bill {self.bill.number}"
        if self.transaction is not None:
            return self.transaction.memo
        return "Older than any charge on file"


@dataclass(frozen=True)
class Explanation:
    as_of: date
    items: list[OpenItem]
    unapplied: Decimal

    @property
    def total(self) -> Decimal:
        return sum((i.open_amount for i in self.items), ZERO) + self.unapplied


def explain_balance(account_id: int, *, as_of: date) -> Explanation:
    """Which bills make up the balance as of ``as_of``, oldest first (FIFO by bill date)."""
    parts = fifo.account_charge_parts([account_id], as_of=as_of)
    txn_ids = {p.transaction_id for _a, p in parts if p.transaction_id}
    txns = JournalTransaction.objects.in_bulk(txn_ids)
    bills = {
        b.transaction_id: b
        for b in Bill.objects.filter(transaction_id__in=txn_ids).select_related("run")
    }
    services = {s.pk: s.name for s in Service.objects.all()}
    items: dict[int | None, OpenItem] = {}
    for _account, part in parts:
        item = items.setdefault(
            part.transaction_id,
            OpenItem(
                txns.get(part.transaction_id or 0), bills.get(part.transaction_id or 0),
                part.charge_date,
            ),
        )  # fmt: skip
        item.charged += part.amount or ZERO
        item.open_amount += part.open_part
        name = services[part.service_id]
        item.by_service[name] = item.by_service.get(name, ZERO) + part.open_part
    ordered = sorted(items.values(), key=lambda i: (i.charge_date or date.min, i.label))
    return Explanation(as_of, ordered, _unapplied_as_of(account_id, as_of))


def _unapplied_as_of(account_id: int, as_of: date) -> Decimal:
    from django.db import connection

    sql = fifo.unapplied_sql().format(where="e.account_id = %(account)s")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"as_of": as_of, "account": account_id})
        row = cursor.fetchone()
    return Decimal(row[1]) if row else ZERO


def letters_of(account_id: int, limit: int = 100) -> list[Letter]:
    return list(
        Letter.objects.filter(account_id=account_id).select_related("sent_by", "template")[:limit]
    )


def aging_runs(limit: int = 50) -> list[AgingRun]:
    return list(AgingRun.objects.select_related("created_by")[:limit])


@dataclass(frozen=True)
class AccountPanel:
    """The account page's collections card: timeline steps, late fees, letters, reconnect."""

    steps: list[Any]
    late_fees: list[Any]
    letters: list[Letter]
    reconnect_offer: Any


def account_panel(account: Account) -> AccountPanel:
    """Three queries: the recorded steps, the posted late fees with waivers, the letters."""
    from .models import AccountStep, LateFeeLine

    steps = list(
        AccountStep.objects.filter(account=account).select_related("step", "bill", "recorded_by")[
            :20
        ]
    )
    fees = list(
        LateFeeLine.objects.filter(account=account, status="posted")
        .select_related("bill", "service")
        .prefetch_related("waivers")
        .order_by("-pk")[:20]
    )
    last_disconnect = next((s for s in steps if s.step.is_disconnect), None)
    offer = last_disconnect if last_disconnect and account.balance.amount <= 0 else None
    return AccountPanel(steps, fees, letters_of(account.pk, limit=10), offer)


def late_fee_alerts(account: object) -> list[str]:
    """The counter's line for the account's latest late fees (the newest due date with a
    posted fee): "Late fee $11.00 charged on Nov 23, 2026", and whether it was waived
    (in full, in part, or waiting for a second person's approval). Three queries."""
    from .models import LateFeeLine

    lines = list(
        LateFeeLine.objects.filter(account_id=int(getattr(account, "pk", 0) or 0), status="posted")
        .select_related("transaction")
        .prefetch_related("waivers__adjustment_request")
        .order_by("-due_date", "pk")
    )
    latest = [line for line in lines if line.due_date == lines[0].due_date] if lines else []
    if not latest:
        return []
    fee = sum((line.fee for line in latest), ZERO)
    # a waiver above the limit is posted when its adjustment request is approved
    waivers = [(w.amount, _waiver_state(w)) for line in latest for w in line.waivers.all()]
    waived = sum((amount for amount, state in waivers if state == "posted"), ZERO)
    pending = sum((amount for amount, state in waivers if state == "pending"), ZERO)
    assert latest[0].transaction is not None
    text = (
        f"Late fee {format_money(fee)} charged on {latest[0].transaction.business_date:%b %-d, %Y}"
    )
    if waived >= fee:
        text += " (waived)"
    elif waived:
        text += f" ({format_money(waived)} waived)"
    if pending:
        text += f" (waiver of {format_money(pending)} waiting for approval)"
    return [text]


def _waiver_state(waiver: Any) -> str:
    request = waiver.adjustment_request
    return str(request.status if request is not None else waiver.status)
