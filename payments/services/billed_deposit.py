"""A security deposit collected with the bill (``billing.hooks.billed_deposits_due``): the
bill asks for it beside the amount owed and the stub for both, so a payment's part above
what the account owes goes to the deposit, up to what is still to take; the rest is a
payment as always (allocated by payment order, any excess an unapplied credit).

Written once for every way a payment arrives: the counter's receipt
(``taking.payment_take``) and the mail and lockbox batches (``batches._post_items``). The
part is a deposit line of the same journal transaction (debit cash, credit deposits held
naming the account, ``ledger.services.deposit_lines``), never what the account owes; the
deposits' keeper (collections) records it through ``billed_deposits_received``.

A void or a returned payment reverses the deposit line with the rest of the payment;
:func:`deposit_reversals_record` tells the keeper (``deposits_reversed``) so its record of
deposits taken (the refund review's start, the deposit page) no longer counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import User

from accounts.models import Account
from billing.hooks import (
    DepositReceived,
    DepositReversed,
    billed_deposits_due,
    billed_deposits_received,
    deposits_reversed,
)
from billing_site.common.money import ZERO
from ledger.models import GLAccount, JournalTransaction
from ledger.selectors import deposits_moved
from ledger.services import LedgerWriter, Line, deposit_lines, payment_lines

__all__ = [
    "BilledDeposits",
    "DepositReceived",
    "billed_deposits_due",
    "billed_deposits_received",
    "deposit_reversals_record",
]


def deposit_reversals_record(
    *, original: JournalTransaction, reversal: JournalTransaction, why: str, acting_user: User
) -> None:
    """After a void or a returned payment: what ``reversal`` took out of deposits held (one
    query; nothing when the payment held no deposit), told to the deposits' keeper."""
    rows = [
        DepositReversed(
            account_id=pk,
            amount=-moved,
            transaction_id=original.pk,
            business_date=reversal.business_date,
            why=why[:100],
        )
        for pk, moved in deposits_moved(reversal.pk).items()
        if moved < ZERO
    ]
    deposits_reversed(rows, acting_user)


class BilledDeposits:
    """Splits the payments of one posting (a receipt, a batch chunk) on one writer; what
    it sends to an account's deposit counts against that deposit for the next payment of
    the same posting (the deposit held is only written at the flush)."""

    def __init__(self, writer: LedgerWriter, *, prefetch: Sequence[int] = ()) -> None:
        """``prefetch``: the accounts of a batch chunk, looked up in one go (a lockbox file
        overpays on many rows; the counter's one receipt looks up only when it must)."""
        self._writer = writer
        self._due: dict[int, Decimal] = {}
        if prefetch:
            found = billed_deposits_due(prefetch)
            self._due = {pk: found.get(pk, ZERO) for pk in prefetch}

    def part(self, account: Account, amount: Decimal) -> Decimal:
        """How much of ``amount`` paid to the locked ``account`` goes to its billed deposit:
        what is above what the account owes now, up to the deposit still to take."""
        owed = max(self._writer.open_amounts(account).balance, ZERO)
        if amount <= owed:
            return ZERO  # the usual case: no look-up at all
        if account.pk not in self._due:
            self._due[account.pk] = billed_deposits_due([account.pk]).get(account.pk, ZERO)
        part = min(amount - owed, self._due[account.pk])
        self._due[account.pk] -= part
        return part

    def lines(
        self, account: Account, amount: Decimal, cash: GLAccount
    ) -> tuple[list[Line], Decimal]:
        """The journal lines of ``amount`` paid to ``account`` into ``cash``, and the part
        of it that went to the billed deposit."""
        part = self.part(account, amount)
        lines = payment_lines(self._writer, account, amount - part, cash) if amount > part else []
        if part > ZERO:
            lines += deposit_lines(self._writer, account, part, cash)
        return lines, part
