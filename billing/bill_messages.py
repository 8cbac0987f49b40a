"""Per-account messages printed on bills, fed by the apps that own them.

Billing prints them but does not own most of them: "a payment plan installment is
due" belongs to collections, "your deposit was refunded" to the deposits held. Apps
above billing cannot be imported from here (floors), so each registers a *source* in
its ``AppConfig.ready()``::

    from billing.bill_messages import register_bill_message_source

    def installments_due(account_ids, bill_date):
        return {account_id: ["A payment plan installment of $50.00 is due Dec 15."], ...}

    register_bill_message_source("collections.installments", installments_due)

A source takes the accounts of a batch and the bill date and returns, per account
that has something to say, its messages (plain text, at most 300 characters each:
the bill prints them as text, escaped). It is called once per batch, not per bill,
so it should read all the accounts in one query. A source that raises is a bug in
its app: the error goes up (a bill must not silently drop a message it was meant to
carry). Messages are decided when a posted bill is first laid out (then stored, so a
reprint says the same) and when the print export is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

MessageSource = Callable[[Sequence[int], date], Mapping[int, Sequence[str]]]
MAX_LENGTH = 300

_SOURCES: dict[str, MessageSource] = {}


def register_bill_message_source(name: str, source: MessageSource) -> None:
    """Add (or replace, by ``name``) a source of per-account bill messages."""
    _SOURCES[name] = source


def bill_messages(*, account_ids: Sequence[int], bill_date: date) -> dict[int, list[str]]:
    """Every registered source's messages for these accounts, in registration order."""
    found: dict[int, list[str]] = {pk: [] for pk in account_ids}
    for source in _SOURCES.values():
        for account_id, messages in source(account_ids, bill_date).items():
            if account_id in found:
                found[account_id].extend(str(m)[:MAX_LENGTH] for m in messages if str(m).strip())
    return found


# -- billing's own sources ------------------------------------------------------

REFUND_DAYS = 45  # "your deposit was refunded" stays on bills dated this long after


def deposits_refunded(account_ids: Sequence[int], bill_date: date) -> dict[int, list[str]]:
    """'Your deposit of $X was refunded on D' for refunds in the weeks before the bill."""
    from ledger.selectors import deposit_refunds

    refunds = deposit_refunds(
        list(account_ids), since=bill_date - timedelta(days=REFUND_DAYS), until=bill_date
    )
    return {
        account_id: [
            f"Your deposit of ${amount:,.2f} was refunded on {on:%b} {on.day}, {on:%Y}."
            for on, amount in rows
        ]
        for account_id, rows in refunds.items()
    }
