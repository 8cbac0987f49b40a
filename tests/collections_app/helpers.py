"""Collections test data: posted bills with bill and due dates (a run and a bill row
naming the journal charge, as the bill run leaves them), payments, and business days
moved forward through the closeout's own service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from itertools import count

from django.contrib.auth.models import User

from accounts.models import Account
from billing.models import Bill, BillingCycle, BillRun
from ledger import services as ledger
from ledger.models import BusinessDay
from tests.factories import service

_numbers = count(900_001)


def bill(by: User, account: Account, *, bill_date: date, due_date: date, **amounts: str) -> Bill:
    """A posted bill of ``amounts`` per service code (``WATER="40.00"``) on ``account``."""
    cycle, _ = BillingCycle.objects.get_or_create(code="CX", defaults={"name": "Collections"})
    run = BillRun.objects.create(
        cycle=cycle, period_start=bill_date.replace(day=1), period_end=bill_date,
        bill_date=bill_date, due_date=due_date, status="posted", created_by=by,
    )  # fmt: skip
    charges = [(service(code), D(amount)) for code, amount in amounts.items()]
    txn = ledger.post_charges(
        account=account, charges=charges, memo=f"Bill of {bill_date}", acting_user=by
    )
    total = sum((a for _s, a in charges), D(0))
    return Bill.objects.create(
        run=run, account=account, status="posted", number=next(_numbers),
        period_start=run.period_start, period_end=bill_date, due_date=due_date,
        new_charges=total, amount_due=total, transaction=txn,
    )  # fmt: skip


def pay(by: User, account: Account, amount: str) -> None:
    ledger.post_payment(account=account, amount=D(amount), memo="Payment", acting_user=by)


def next_day(supervisor: User, to: date | None = None) -> BusinessDay:
    """Close the open business day and open ``to`` (default: the next business date)."""
    day = BusinessDay.objects.get(status="open")
    return ledger.business_day_close(day=day, acting_user=supervisor, next_date=to)
