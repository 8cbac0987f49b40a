"""Building blocks for the cashiering tests: charges, drawers and payments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from accounts.models import Account
from ledger import services as ledger
from ledger.models import JournalEntry
from payments import services
from payments.choices import TenderKind
from payments.models import Drawer, Payment
from payments.services import AccountPart, TenderIn
from tests.factories import service

D = Decimal


def charge(account: Account, by: Any, **amounts: str) -> None:
    ledger.post_charges(
        account=account,
        charges=[(service(code.upper()), D(v)) for code, v in amounts.items()],
        memo="Bill",
        acting_user=by,
    )


def open_drawer(user: Any, **counts: int) -> Drawer:
    return services.drawer_open(counts=counts or {"d20": 5}, acting_user=user)  # $100 float


def cash(amount: str) -> TenderIn:
    return TenderIn(TenderKind.CASH, D(amount))


def check(amount: str, number: str = "1001") -> TenderIn:
    return TenderIn(TenderKind.CHECK, D(amount), number)


def card(amount: str, auth: str = "A1B2C3", last4: str = "4242") -> TenderIn:
    return TenderIn(TenderKind.CARD, D(amount), auth, "visa", last4)


def pay(user: Any, drawer: Drawer, account: Account, amount: str, *tenders: TenderIn) -> Payment:
    return services.payment_take(
        drawer=drawer,
        accounts=[AccountPart(account=account, amount=D(amount))],
        tenders=list(tenders) or [cash(amount)],
        acting_user=user,
    )


def balance(account: Account) -> Decimal:
    return Account.objects.get(pk=account.pk).balance.amount


def gl_total(code: str) -> Decimal:
    total = JournalEntry.objects.filter(gl_account__code=code).aggregate(t=Sum("amount"))["t"]
    return total or D("0.00")


def open_by_service(account: Account) -> dict[str, Decimal]:
    rows = (
        JournalEntry.objects.filter(account=account, service__isnull=False)
        .values_list("service__code")
        .annotate(t=Sum("amount"))
    )
    return {code: total for code, total in rows if total}


def payments_url_values(user: Any, account: Account) -> dict[str, int]:
    """Objects behind the payments URLs, for the site-wide access test."""
    import datetime as dt

    from ledger.models import Fund
    from payments.models import Closeout, Deposit

    drawer = open_drawer(user)
    payment = pay(user, drawer, account, "5.00")
    # the demo office (seed_demo) closes out every business day: use its deposit if any
    deposit = Deposit.objects.select_related("closeout").order_by("-pk").first()
    closeout = (
        deposit.closeout
        if deposit is not None
        else Closeout.objects.order_by("-pk").first()
        or Closeout.objects.create(
            business_date=dt.date(2026, 11, 20), closed_by=user, next_date=dt.date(2026, 11, 23)
        )
    )
    deposit = deposit or Deposit.objects.create(
        closeout=closeout,
        slip_number=1,
        bank_account="City operating account",
        fund=Fund.objects.get(code="999"),
        label="Utility receipts",
        cash=D("5.00"),
        checks=D("0.00"),
        total=D("5.00"),
    )
    return {
        "drawer_pk": drawer.pk,
        "payment_pk": payment.pk,
        "closeout_pk": closeout.pk,
        "deposit_pk": deposit.pk,
    }
