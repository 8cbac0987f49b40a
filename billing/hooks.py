"""Hooks billing runs and apps above it provide (each registers by name in
``AppConfig.ready()``, ``common.hooks.Registry``).

* **After a final bill posts** (collections applies the deposit held to the final bill and
  refunds the rest). Billing calls the hooks at the end of ``bills.final.final_bill``,
  inside its transaction, so the stop-service page and the service orders' stop effect
  (which calls the same service) run them exactly once.
* **Billed deposits** (collections keeps the deposit requirements): which accounts have a
  security deposit to collect with their bill and how much is still to take
  (``billed_deposits_due``; the bill shows it beside, never inside, the amount owed, and
  the stub asks for both), and what to record when a payment's part goes to that deposit
  (``billed_deposits_received``). Payments (above billing) split a payment with them:
  ``payments.services.billed_deposit``. When a payment that put money into a deposit is
  voided or comes back from the bank, payments says how much of it left the deposit
  (``deposits_reversed``), so the keeper's record of deposits taken matches what is held.
  This covers every deposit taken with a payment, billed or taken at the counter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from billing_site.common.hooks import Registry
from billing_site.common.money import ZERO

AfterFinalBill = Callable[[Any, User], str]
_after_final_bill: Registry[AfterFinalBill] = Registry()
register_after_final_bill = _after_final_bill.register


def after_final_bill(bill: Any, acting_user: User) -> list[str]:
    """Run every hook for the posted final ``bill``; what each did, in plain words."""
    done = [hook(bill, acting_user) for hook in _after_final_bill]
    return [text for text in done if text]


@dataclass(frozen=True)
class DepositReceived:
    """A payment's part that went to the account's billed deposit (deposits held)."""

    account_id: int
    amount: Decimal
    transaction_id: int
    business_date: date
    source: str  # "receipt 3-00012", "lockbox batch 7", ...


@dataclass(frozen=True)
class DepositReversed:
    """What a void or returned payment took back out of an account's deposit held."""

    account_id: int
    amount: Decimal  # positive: how much the deposit held went down
    transaction_id: int  # the payment's transaction (the one the deposit was taken with)
    business_date: date
    why: str  # "voided with receipt 3-00012: keyed twice", "Returned check - ...: NSF"


@dataclass(frozen=True)
class BilledDeposits:
    due: Callable[[Sequence[int]], Mapping[int, Decimal]]  # account id -> still to take
    received: Callable[[Sequence[DepositReceived], User], None]
    reversed: Callable[[Sequence[DepositReversed], User], None]


_billed_deposits: Registry[BilledDeposits] = Registry()
register_billed_deposits = _billed_deposits.register


def billed_deposits_due(account_ids: Sequence[int]) -> dict[int, Decimal]:
    """The deposit still to take with the bill, for the accounts of ``account_ids`` that
    have one (accounts without one are left out)."""
    found: dict[int, Decimal] = {}
    if not account_ids:
        return found
    for source in _billed_deposits:
        for account_id, amount in source.due(account_ids).items():
            if amount > 0:
                found[account_id] = found.get(account_id, ZERO) + amount
    return found


def billed_deposits_received(rows: Sequence[DepositReceived], acting_user: User) -> None:
    """Tell the deposits' keeper what payments put into billed deposits (same transaction)."""
    if rows:
        for source in _billed_deposits:
            source.received(rows, acting_user)


def deposits_reversed(rows: Sequence[DepositReversed], acting_user: User) -> None:
    """Tell the deposits' keeper what voids and returned payments took out of deposits."""
    if rows:
        for source in _billed_deposits:
            source.reversed(rows, acting_user)
