"""Reads of the ledger: the open business day, open amounts, account activity, aging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.db.models import Count, Exists, OuterRef, Sum

from billing_site.common.money import ZERO

from .allocation import OpenAmounts
from .choices import DayStatus, TransactionKind
from .errors import PostingRefused
from .models import AccountOpen, BusinessDay, DepositHeld, JournalEntry, JournalTransaction, Service


def open_business_day() -> BusinessDay | None:
    return BusinessDay.objects.filter(status=DayStatus.OPEN).first()


def last_closed_business_date() -> date | None:
    """The latest closed business day (what a report shows after the closeout)."""
    day = BusinessDay.objects.filter(status=DayStatus.CLOSED).order_by("-date").first()
    return day.date if day else None


def current_business_date() -> date:
    day = open_business_day()
    if day is None:
        raise PostingRefused("No business day is open. A supervisor must open one first.")
    return day.date


@dataclass(frozen=True)
class ActivityRow:
    transaction: JournalTransaction
    amount: Decimal  # change to what the customer owes
    running_balance: Decimal


def account_activity(account_id: int, *, limit: int = 200) -> list[ActivityRow]:
    """The account's transactions, newest first, each with the balance after it.

    Credit applications move credit between services without changing what the
    customer owes, so they are left out of the statement-style list.
    """
    rows = list(
        JournalEntry.objects.filter(account_id=account_id)
        .exclude(transaction__kind=TransactionKind.CREDIT_APPLICATION)
        .values("transaction_id")
        .annotate(total=Sum("amount"))
        .order_by("-transaction_id")
    )
    total_all = JournalEntry.objects.filter(account_id=account_id).aggregate(t=Sum("amount"))["t"]
    running = total_all or ZERO
    txns = JournalTransaction.objects.select_related("created_by", "reversal_of").in_bulk(
        [r["transaction_id"] for r in rows[:limit]]
    )
    activity: list[ActivityRow] = []
    for row in rows[:limit]:
        activity.append(ActivityRow(txns[row["transaction_id"]], row["total"], running))
        running -= row["total"]
    return activity


def open_amounts_many(account_ids: list[int]) -> dict[int, OpenAmounts]:
    """What each account holds now: balance, unapplied credit, open amount per service id.

    For reading only (a page, a report, a run deciding whom to charge); a posting
    reads the same through ``LedgerWriter.open_amounts`` under the account lock.
    """
    by_service: dict[int, dict[int, Decimal]] = {pk: {} for pk in account_ids}
    unapplied: dict[int, Decimal] = dict.fromkeys(account_ids, ZERO)
    rows = AccountOpen.objects.filter(account_id__in=account_ids).values_list(
        "account_id", "service_id", "amount"
    )
    for account_id, service_id, total in rows:
        if service_id is None:
            unapplied[account_id] = total
        else:
            by_service[account_id][service_id] = total
    return {
        pk: OpenAmounts(
            balance=unapplied[pk] + sum(by_service[pk].values(), ZERO),
            unapplied=unapplied[pk],
            by_service=MappingProxyType(by_service[pk]),
        )
        for pk in account_ids
    }


def open_amounts(account_id: int) -> OpenAmounts:
    return open_amounts_many([account_id])[account_id]


def deposits_held(account_ids: list[int]) -> dict[int, Decimal]:
    """The security deposit the city holds for each account (0.00 where none was taken)."""
    held = dict(
        DepositHeld.objects.filter(account_id__in=account_ids).values_list("account_id", "amount")
    )
    return {pk: held.get(pk, ZERO) for pk in account_ids}


def deposits_held_total() -> tuple[int, Decimal]:
    """How many accounts have a deposit held, and the total held (one aggregate)."""
    found = DepositHeld.objects.filter(amount__gt=0).aggregate(n=Count("pk"), total=Sum("amount"))
    return found["n"], found["total"] or ZERO


def deposits_moved(transaction_id: int) -> dict[int, Decimal]:
    """How one transaction changed each account's deposit held (its deposit lines: a
    credit holds more, so a reversal of a deposit taken gives negative amounts)."""
    moved = (
        JournalEntry.objects.filter(transaction_id=transaction_id, deposit_account__isnull=False)
        .values("deposit_account_id")
        .annotate(total=Sum("amount"))
        .values_list("deposit_account_id", "total")
    )
    return {pk: -Decimal(str(getattr(total, "amount", total))) for pk, total in moved if total}


def deposit_held(account_id: int) -> Decimal:
    """What the city holds as deposit for the account; never part of ``Account.balance``."""
    return deposits_held([account_id])[account_id]


def deposit_refunds(
    account_ids: list[int], *, since: date, until: date
) -> dict[int, list[tuple[date, Decimal]]]:
    """Deposits paid back to each account's customer between the two business dates.

    A refund is a deposit transaction that takes the money out of deposits held
    (a debit naming the account) without crediting what the account owes (that
    would be a deposit *applied*). Only accounts with a refund are in the answer.
    """
    applied = JournalEntry.objects.filter(
        transaction_id=OuterRef("transaction_id"), account__isnull=False
    )
    rows = (
        JournalEntry.objects.filter(
            deposit_account_id__in=account_ids,
            amount__gt=0,
            transaction__kind=TransactionKind.DEPOSIT,
            transaction__business_date__gte=since,
            transaction__business_date__lte=until,
        )
        .exclude(Exists(applied))
        .order_by("transaction__business_date", "pk")
        .values_list("deposit_account_id", "transaction__business_date", "amount")
    )
    found: dict[int, list[tuple[date, Decimal]]] = {}
    for account_id, on, amount in rows:
        found.setdefault(account_id, []).append((on, amount))
    return found


def open_by_service(account_id: int) -> list[tuple[Service, Decimal]]:
    totals = dict(
        JournalEntry.objects.filter(account_id=account_id, service__isnull=False)
        .values_list("service_id")
        .annotate(total=Sum("amount"))
        .values_list("service_id", "total")
    )
    return [(s, totals[s.pk]) for s in Service.objects.all() if totals.get(s.pk, ZERO) != ZERO]


UNAPPLIED = "Credit on account"


def paid_by_service(transaction_id: int) -> dict[int, list[tuple[str, Decimal]]]:
    """What a payment paid on each customer account, by service (a receipt's detail).

    ``{account id: [(service name, amount paid) ...]}`` in payment order; an excess
    left as credit is named ``UNAPPLIED``. Amounts are positive for a payment.
    """
    rows = (
        JournalEntry.objects.filter(transaction_id=transaction_id, account__isnull=False)
        .values_list("account_id", "service__name", "service__payment_order")
        .annotate(total=Sum("amount"))
        .order_by("account_id", "service__payment_order", "service__name")
    )
    parts: dict[int, list[tuple[str, Decimal]]] = {}
    for account_id, name, _order, total in rows:
        if total:
            parts.setdefault(account_id, []).append((name or UNAPPLIED, -total))
    return parts


AGING_BUCKETS = ((30, "current"), (60, "31-60"), (90, "61-90"), (None, "over 90"))


def aging(account_id: int, *, as_of: date) -> dict[str, Decimal]:
    """Open amounts by age: each service's open amount is its newest charges (FIFO)."""
    return aging_many([account_id], as_of=as_of)[account_id]


def aging_many(account_ids: list[int], *, as_of: date) -> dict[int, dict[str, Decimal]]:
    """:func:`aging` for many accounts in two queries (a master's subs, an aging list)."""
    result = {pk: {label: ZERO for _days, label in AGING_BUCKETS} for pk in account_ids}
    remaining: dict[tuple[int, int], Decimal] = {
        (account_id, service_id): total
        for account_id, service_id, total in JournalEntry.objects.filter(
            account_id__in=account_ids, service__isnull=False
        )
        .values_list("account_id", "service_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "service_id", "total")
        .order_by()
        if total > ZERO
    }
    charges = (
        JournalEntry.objects.filter(account_id__in=account_ids, service__isnull=False, amount__gt=0)
        .exclude(
            transaction__kind__in=[TransactionKind.CREDIT_APPLICATION, TransactionKind.REVERSAL]
        )
        .order_by("account_id", "-transaction__business_date", "-id")
        .values_list("account_id", "service_id", "amount", "transaction__business_date")
    )
    for account_id, service_id, amount, when in charges:
        left = remaining.get((account_id, service_id), ZERO)
        if left <= ZERO:
            continue
        part = min(left, amount)
        remaining[(account_id, service_id)] = left - part
        result[account_id][_bucket((as_of - when).days)] += part
    for (account_id, _service_id), left in remaining.items():
        if left > ZERO:  # open amounts older than any charge on file
            result[account_id]["over 90"] += left
    return result


def _bucket(days: int) -> str:
    for limit, label in AGING_BUCKETS:
        if limit is None or days <= limit:
            return label
    return "over 90"


def payments_since(starts: dict[int, date]) -> dict[int, Decimal]:
    """What each account paid from its date on (business dates), in one query.

    ``starts`` maps account id -> first business date counted. Payments are the
    account's lines of payment transactions, less their reversals (voids and
    returned payments), so a bounced check un-pays what it paid.
    """
    if not starts:
        return {}
    from django.db import connection

    ids = list(starts)
    sql = """
        SELECT s.account_id, -COALESCE(SUM(e.amount), 0)
        FROM unnest(%s::bigint[], %s::date[]) AS s(account_id, since)
        JOIN ledger_journalentry e ON e.account_id = s.account_id
        JOIN ledger_journaltransaction t ON t.id = e.transaction_id
        LEFT JOIN ledger_journaltransaction o ON o.id = t.reversal_of_id
        WHERE t.business_date >= s.since
          AND (t.kind = %s OR (t.kind = %s AND o.kind = %s))
        GROUP BY s.account_id
    """
    kinds = [TransactionKind.PAYMENT, TransactionKind.REVERSAL, TransactionKind.PAYMENT]
    params: list[Any] = [ids, [starts[i] for i in ids], *kinds]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: Decimal(row[1]) for row in cursor.fetchall()}
    return {i: found.get(i, ZERO) for i in ids}
