"""Deposits held: a customer's security deposit is a liability the city holds for the account.

Taking a deposit debits cash and credits the deposits-held GL account on a line
that names the account in ``deposit_account``: the customer owes nothing more or
less (``Account.balance`` is untouched) and :class:`~ledger.models.DepositHeld`
goes up. Later the deposit is either

* **applied** to what the account owes (typically the final bill): debit
  deposits held, credit the account's services by payment order, any excess
  becoming unapplied credit, exactly as a payment would; or
* **refunded**: debit deposits held, credit cash (the refund cheque or cash out).

Applying or refunding needs ``ledger.manage_deposits`` (coordinators and
supervisors); never more than is held. A refund also works on a closed account
(the deposit is returned after the final bill is paid); taking or applying one
does not. Corrections are reversals, as for every posting.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.money import ZERO
from billing_site.common.roles import require_perm

from .allocation import allocate
from .amounts import check_amount
from .choices import GLRole, TransactionKind
from .errors import PostingRefused
from .models import JournalTransaction
from .posting import LedgerWriter, Line

MANAGE = "ledger.manage_deposits"


def _writer(acting_user: User, *perms: str) -> LedgerWriter:
    require_perm(acting_user, "ledger.post_transaction", *perms)
    return LedgerWriter(acting_user=acting_user)


def _held_line(writer: LedgerWriter, account: Account, amount: Decimal) -> Line:
    return Line(
        gl_account=writer.chart.gl(GLRole.DEPOSITS_HELD), amount=amount, deposit_account=account
    )


def _amount(writer: LedgerWriter, account: Account, amount: Decimal | None) -> Decimal:
    held = writer.deposit_held(account)
    if amount is None:
        if held <= ZERO:
            raise PostingRefused(f"Account {account.number} holds no deposit.")
        return held
    check_amount(amount, what="Deposit amount")
    if amount > held:
        raise PostingRefused(f"Account {account.number} holds a deposit of {held}, not {amount}.")
    return amount


def deposit_lines(
    writer: LedgerWriter, account: Account, amount: Decimal, debit_gl: Any
) -> list[Line]:
    """The lines of a deposit taken into ``debit_gl`` (a counter drawer's receipt posts them
    beside its payments): debit it, credit deposits held for the account. ``account`` must
    be locked on ``writer``; a closed account takes no deposit."""
    if account.status == AccountStatus.CLOSED:
        raise PostingRefused(f"Account {account.number} is closed: it takes no deposit.")
    check_amount(amount, what="Deposit")
    return [Line(gl_account=debit_gl, amount=amount), _held_line(writer, account, -amount)]


@transaction.atomic
def deposit_take(
    *, account: Account, amount: Decimal, memo: str, acting_user: User, source: str = ""
) -> JournalTransaction:
    """Hold ``amount`` as the account's security deposit (debit cash, credit deposits held)."""
    writer = _writer(acting_user)
    (locked,) = writer.lock([account])
    if locked.status == AccountStatus.CLOSED:
        raise PostingRefused(f"Account {locked.number} is closed: it takes no deposit.")
    check_amount(amount, what="Deposit")
    lines = [
        Line(gl_account=writer.chart.gl(GLRole.CASH), amount=amount),
        _held_line(writer, locked, -amount),
    ]
    return writer.post_now(kind=TransactionKind.DEPOSIT, lines=lines, memo=memo, source=source)


@transaction.atomic
def deposit_apply(
    *, account: Account, memo: str, acting_user: User, amount: Decimal | None = None
) -> JournalTransaction:
    """Apply the deposit (all of it, or ``amount``) to what the account owes, by payment order."""
    writer = _writer(acting_user, MANAGE)
    (locked,) = writer.lock([account])
    amount = _amount(writer, locked, amount)
    parts, excess = allocate(amount, writer.open_amounts(locked).by_service, writer.services)
    lines = [_held_line(writer, locked, amount)]
    lines += [writer.receivable_line(locked, -paid, service) for service, paid in parts]
    if excess > ZERO:
        lines.append(writer.receivable_line(locked, -excess, None))
    return writer.post_now(kind=TransactionKind.DEPOSIT, lines=lines, memo=memo)


@transaction.atomic
def deposit_refund(
    *,
    account: Account,
    memo: str,
    acting_user: User,
    amount: Decimal | None = None,
    to_refunds_payable: bool = False,
    source: str = "",
) -> JournalTransaction:
    """Pay the deposit (all of it, or ``amount``) back to the customer out of cash.

    With ``to_refunds_payable`` the deposit is owed back by cheque instead: it
    credits refunds payable (a ``refund`` transaction), as an approved refund
    request of ``adjustments`` does (``docs/refunds.md``).
    """
    writer = _writer(acting_user, MANAGE)
    (locked,) = writer.lock([account])
    amount = _amount(writer, locked, amount)
    credit_role = GLRole.REFUNDS_PAYABLE if to_refunds_payable else GLRole.CASH
    kind = TransactionKind.REFUND if to_refunds_payable else TransactionKind.DEPOSIT
    lines = [
        _held_line(writer, locked, amount),
        Line(gl_account=writer.chart.gl(credit_role), amount=-amount),
    ]
    return writer.post_now(kind=kind, lines=lines, memo=memo, source=source)


@transaction.atomic
def deposit_interest_credit(
    *, account: Account, amount: Decimal, expense_gl: Any, memo: str, acting_user: User,
    source: str = "",
) -> JournalTransaction:  # fmt: skip
    """Credit interest to the account's deposit held (debit ``expense_gl``, credit deposits
    held): the deposit grows; what the customer owes does not change."""
    writer = _writer(acting_user, MANAGE)
    (locked,) = writer.lock([account])
    check_amount(amount, what="Interest")
    lines = [Line(gl_account=expense_gl, amount=amount), _held_line(writer, locked, -amount)]
    return writer.post_now(kind=TransactionKind.DEPOSIT, lines=lines, memo=memo, source=source)
