"""Refunds of a customer's credit: the money the city owes back, handed to accounts payable.

An approved refund of an account's credit (``adjustments`` owns the request and
its approval) posts here as one ``refund`` transaction:

* Dr unapplied customer credits (999-2100), on a line naming the account: its
  credit shrinks, so ``Account.balance`` rises towards zero;
* Cr refunds payable to customers (999-2300): a liability until accounts payable
  cuts the cheque and clears it in the city's own books.

A deposit refund that goes through the same request path posts through
:func:`ledger.deposits.deposit_refund` with ``to_refunds_payable=True`` (Dr
deposits held, Cr refunds payable) instead of paying cash out of a drawer.

Only credit that rests as unapplied credit can be refunded: after every posting
the ledger moves credit there (no service is ever left in credit), so that is
all of an account's credit. Never more than the credit; needs
``ledger.refund_credit`` (supervisors), and the balance change is a history row
naming the acting user and the transaction, as for every posting.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from accounts.models import Account
from billing_site.common.money import ZERO, format_money
from billing_site.common.roles import require_perm

from .amounts import check_amount
from .choices import GLRole, TransactionKind
from .errors import PostingRefused
from .models import JournalTransaction
from .posting import LedgerWriter, Line

REFUND_PERM = "ledger.refund_credit"


@transaction.atomic
def credit_refund(
    *, account: Account, amount: Decimal, memo: str, acting_user: User, source: str = ""
) -> JournalTransaction:
    """Move ``amount`` of the account's credit to refunds payable (Dr credit, Cr payable)."""
    require_perm(acting_user, "ledger.post_transaction", REFUND_PERM)
    writer = LedgerWriter(acting_user=acting_user)
    (locked,) = writer.lock([account])
    check_amount(amount, what="Refund")
    credit = -writer.open_amounts(locked).unapplied
    if credit <= ZERO:
        raise PostingRefused(f"Account {locked.number} has no credit to refund.")
    if amount > credit:
        raise PostingRefused(
            f"Account {locked.number} has a credit of {format_money(credit)}, "
            f"not {format_money(amount)}."
        )
    lines = [
        writer.receivable_line(locked, amount, None),
        Line(gl_account=writer.chart.gl(GLRole.REFUNDS_PAYABLE), amount=-amount),
    ]
    return writer.post_now(kind=TransactionKind.REFUND, lines=lines, memo=memo, source=source)
