"""Small helpers for the adjustment tests: bill an account, read balances back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from accounts.models import Account
from ledger import services as ledger
from ledger.models import JournalEntry
from tests.factories import service


def charge(account: Account, by: Any, **amounts: str) -> None:
    """Bill the account: charge(account, bob, WATER="120.00", SEWER="80.00")."""
    ledger.post_charges(
        account=account,
        charges=[(service(code), Decimal(text)) for code, text in amounts.items()],
        memo="November bill",
        acting_user=by,
    )


def balance(account: Account) -> Decimal:
    account.refresh_from_db()
    return account.balance.amount


def open_amounts(account: Account) -> dict[str, Decimal]:
    """What the account owes per service code, plus ``credit`` for unapplied credit."""
    rows = (
        JournalEntry.objects.filter(account=account)
        .values("service__code")
        .annotate(total=Sum("amount"))
    )
    return {(r["service__code"] or "credit"): r["total"] for r in rows if r["total"] != 0}


def gl_total(code: str) -> Decimal:
    total = JournalEntry.objects.filter(gl_account__code=code).aggregate(t=Sum("amount"))["t"]
    return total or Decimal("0.00")
