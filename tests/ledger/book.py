"""Read the ledger back in plain numbers, so tests compare against hand-computed values."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from accounts.models import Account
from ledger.models import JournalEntry, JournalTransaction

CREDIT = "credit"  # key for unapplied credit in open_amounts()


def balance(account: Account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance.amount


def entries_total(account: Account) -> Decimal:
    total = JournalEntry.objects.filter(account=account).aggregate(t=Sum("amount"))["t"]
    return total if total is not None else Decimal("0.00")


def open_amounts(account: Account) -> dict[str, Decimal]:
    """Non-zero open amount per service code, and unapplied credit under ``CREDIT``."""
    rows = (
        JournalEntry.objects.filter(account=account)
        .values("service__code")
        .annotate(total=Sum("amount"))
    )
    return {(r["service__code"] or CREDIT): r["total"] for r in rows if r["total"] != 0}


def lines(txn: JournalTransaction) -> list[tuple[str, Decimal, str | None]]:
    """(GL code, amount, service code) of each line, in the order the writer posted them."""
    return list(
        txn.entries.order_by("id").values_list("gl_account__code", "amount", "service__code")
    )


def gl_totals() -> dict[str, Decimal]:
    """Non-zero total per GL account over the whole ledger."""
    rows = JournalEntry.objects.values("gl_account__code").annotate(total=Sum("amount"))
    return {r["gl_account__code"]: r["total"] for r in rows if r["total"] != 0}


def unbalanced_transactions() -> list[int]:
    """Ids of transactions whose entries do not sum to zero or that have fewer than two."""
    rows = JournalTransaction.objects.annotate(total=Sum("entries__amount"), n=Count("entries"))
    return [t.pk for t in rows if t.total != 0 or t.n < 2]


def credit_applications_after(txn: JournalTransaction) -> list[JournalTransaction]:
    return list(
        JournalTransaction.objects.filter(pk__gt=txn.pk, kind="credit_application").order_by("pk")
    )
