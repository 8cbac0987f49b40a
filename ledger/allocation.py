"""Allocation of money to a customer account's open services.

A payment or credit pays services by their payment order (1 first); within a
service the oldest charge is paid first, which is why a service's open amount
is simply the sum of its receivable lines: aging reads that amount as the
newest charges (first in, first out). Whatever is left becomes unapplied credit
that later charges consume. These functions are pure: they take amounts and
return amounts, and ``ledger.posting`` turns them into journal lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from billing_site.common.money import ZERO

from .models import Service


@dataclass
class AccountBook:
    """What one customer account holds right now: open amount per service and credit."""

    balance: Decimal = ZERO
    unapplied: Decimal = ZERO  # <= 0 when the customer has credit
    open_by_service: dict[int, Decimal] = field(default_factory=dict)

    def apply(self, *, amount: Decimal, service_id: int | None) -> None:
        self.balance += amount
        if service_id is None:
            self.unapplied += amount
        else:
            self.open_by_service[service_id] = self.open_by_service.get(service_id, ZERO) + amount


@dataclass(frozen=True)
class OpenAmounts:
    """What one customer account holds: its balance, unapplied credit and open services.

    ``unapplied`` is zero or negative (credit the customer has); ``by_service``
    maps service ids to what is open on each (zeros included where a service was
    once charged).
    """

    balance: Decimal
    unapplied: Decimal
    by_service: Mapping[int, Decimal]

    @classmethod
    def of(cls, book: AccountBook) -> OpenAmounts:
        return cls(book.balance, book.unapplied, MappingProxyType(dict(book.open_by_service)))


def allocate(
    amount: Decimal, open_by_service: Mapping[int, Decimal], services: Iterable[Service]
) -> tuple[list[tuple[Service, Decimal]], Decimal]:
    """Split ``amount`` over open services by payment order; return the parts and the excess."""
    remaining = amount
    parts: list[tuple[Service, Decimal]] = []
    for service in sorted(services, key=lambda s: s.payment_order):
        if remaining <= ZERO:
            break
        owed = open_by_service.get(service.pk, ZERO)
        if owed <= ZERO:
            continue
        paid = min(owed, remaining)
        parts.append((service, paid))
        remaining -= paid
    return parts, remaining


def credit_moves(
    book: AccountBook,
    services: Iterable[Service],
    recent_credit_targets: list[tuple[int, Decimal]],
) -> list[tuple[int | None, Decimal]]:
    """The receivable lines that bring ``book`` back to its resting shape.

    Resting shape: no service is in credit, unapplied credit is never a debit,
    and credit is never left unapplied while a service is owed. Returns
    ``(service_id or None for unapplied, signed amount)`` pairs summing to zero.
    ``recent_credit_targets`` lists (service_id, amount) where credit was last
    applied, newest first: a credit taken back is taken from there first.
    """
    by_pk = {s.pk: s for s in services}
    moves: list[tuple[int | None, Decimal]] = []
    sim = AccountBook(book.balance, book.unapplied, dict(book.open_by_service))

    def move(
        service_id: int, amount: Decimal
    ) -> None:  # +amount onto service, -amount off unapplied
        moves.extend([(service_id, amount), (None, -amount)])
        sim.apply(amount=amount, service_id=service_id)
        sim.apply(amount=-amount, service_id=None)

    for service_id, open_amount in sorted(book.open_by_service.items()):
        if open_amount < ZERO:
            move(service_id, -open_amount)
    if sim.unapplied > ZERO:
        for service_id, amount in recent_credit_targets:
            take = min(amount, sim.unapplied)
            if take > ZERO:
                move(service_id, take)
        if sim.unapplied > ZERO:  # nothing recorded: put it on the last service in the order
            last = max(by_pk.values(), key=lambda s: s.payment_order)
            move(last.pk, sim.unapplied)
    if sim.unapplied < ZERO:
        parts, _excess = allocate(-sim.unapplied, sim.open_by_service, by_pk.values())
        for service, paid in parts:
            move(service.pk, -paid)
    return _net(moves)


def _net(moves: list[tuple[int | None, Decimal]]) -> list[tuple[int | None, Decimal]]:
    totals: dict[int | None, Decimal] = {}
    for key, amount in moves:
        totals[key] = totals.get(key, ZERO) + amount
    return [(key, amount) for key, amount in totals.items() if amount != ZERO]
