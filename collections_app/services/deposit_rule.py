"""The deposit rule started when service starts: the requirement (class, credit band, own
history: ``deposits.deposit_requirement``) recorded on the account as a deposit required,
so the account page and the counter say how much is still to take. Nothing is posted here.

The deposit is taken at the counter or by the office (``deposits.deposit_collect``), or
**collected with the bill**: a requirement marked ``on_bill`` (at service start when
``COLLECTIONS_DEPOSIT_ON_FIRST_BILL``, or by a coordinator, ``deposit_put_on_bill``) is
what billing's hook ``billed_deposits_due`` answers; each bill asks for what is still to
take beside the balance, and a payment's part above what the account owes goes to the
deposit (``payments.services.billed_deposit``), recorded here by
``billed_deposits_received`` as a deposit taken (the refund review counts from it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account
from accounts.services import system_note
from billing.hooks import BilledDeposits, DepositReceived, DepositReversed
from billing_site.common.money import format_money
from billing_site.common.roles import require_perm
from ledger.selectors import current_business_date, deposit_held, deposits_held

from ..models import DepositRequired, SecurityDeposit
from .deposits import deposit_requirement

PERM = "ledger.manage_deposits"


@transaction.atomic
def deposit_rule_start(
    *, account: Account, reason: str, acting_user: User
) -> DepositRequired | None:
    """Record the deposit the rule asks of ``account`` (None when it asks none); collected
    with the first bill when ``COLLECTIONS_DEPOSIT_ON_FIRST_BILL``."""
    require_perm(acting_user, PERM)
    need = deposit_requirement(account, today=current_business_date())
    if need.amount <= 0:
        return None
    on_bill = settings.COLLECTIONS_DEPOSIT_ON_FIRST_BILL
    row = DepositRequired(
        account=account, amount=need.amount, band=need.band, why=need.why[:300],
        reason=reason[:200], recorded_by=acting_user, on_bill=on_bill,
        put_on_bill_by=acting_user if on_bill else None,
    )  # fmt: skip
    row.full_clean()
    row.save()
    billed = "; asked for on the first bill unless taken before" if on_bill else ""
    system_note(
        account=account, acting_user=acting_user,
        text=f"Deposit of {format_money(need.amount)} required ({need.why}); {reason}{billed}.",
    )  # fmt: skip
    return row


@transaction.atomic
def deposit_put_on_bill(*, account: Account, amount: Decimal, acting_user: User) -> DepositRequired:
    """Require a deposit of ``amount`` in all (what is held counts) and collect what is still
    to take with the account's bills (coordinators and supervisors)."""
    require_perm(acting_user, PERM)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    held = deposit_held(locked.pk)
    if amount <= held:
        raise ValidationError(
            {"amount": f"The account already holds {format_money(held)}: enter the deposit "
                       "required in all, more than what is held."}
        )  # fmt: skip
    need = deposit_requirement(locked, today=current_business_date())
    row = DepositRequired(
        account=locked, amount=amount, band=need.band, why=need.why[:300],
        reason="collected with the bill", recorded_by=acting_user, on_bill=True,
        put_on_bill_by=acting_user,
    )  # fmt: skip
    row.full_clean()
    row.save()
    system_note(
        account=locked, acting_user=acting_user,
        text=f"Deposit of {format_money(amount)} required; {format_money(amount - held)} "
        "to be collected with the next bill.",
    )  # fmt: skip
    return row


@dataclass(frozen=True)
class DepositDue:
    required: DepositRequired
    held: Decimal

    @property
    def to_take(self) -> Decimal:
        return max(self.required.amount - self.held, Decimal("0.00"))


def deposit_due(account_id: int) -> DepositDue | None:
    """The newest deposit required and what of it is still to take (None: none required)."""
    row = DepositRequired.objects.filter(account_id=account_id).first()
    if row is None:
        return None
    return DepositDue(row, deposit_held(account_id))


def counter_alerts(account: object) -> list[str]:
    """The counter's line while a required deposit is not yet (fully) held."""
    due = deposit_due(getattr(account, "pk", 0) or 0)
    if due is None or due.to_take <= 0:
        return []
    billed = (
        " It is asked for on the bill: what is paid above the balance goes to the deposit."
        if due.required.on_bill
        else ""
    )
    return [
        f"Deposit required: {format_money(due.to_take)} still to take "
        f"(of {format_money(due.required.amount)}; {due.required.why}).{billed}"
    ]


def billed_deposits_due(account_ids: Sequence[int]) -> dict[int, Decimal]:
    """Billing's hook: per account whose newest requirement is collected with the bill,
    what is still to take (accounts with nothing to take are left out). Two queries."""
    newest = (
        DepositRequired.objects.filter(account_id__any=account_ids)
        .order_by("account_id", "-recorded_at", "-pk")
        .distinct("account_id")
        .values_list("account_id", "amount", "on_bill")
    )
    required = {account_id: amount for account_id, amount, on_bill in newest if on_bill}
    held = deposits_held(list(required))
    return {pk: amount - held[pk] for pk, amount in required.items() if amount > held[pk]}


def billed_deposits_received(rows: Sequence[DepositReceived], acting_user: User) -> None:
    """Billing's hook: payments' parts that went to billed deposits, kept as deposits taken
    (the refund review's start) with a note on each account."""
    SecurityDeposit.objects.bulk_create(
        SecurityDeposit(
            account_id=row.account_id,
            amount=row.amount,
            taken_on=row.business_date,
            transaction_id=row.transaction_id,
            taken_by=acting_user,
        )
        for row in rows
    )
    for row in rows:
        system_note(
            account=Account(pk=row.account_id), acting_user=acting_user,
            text=f"Security deposit of {format_money(row.amount)} received with the payment "
            f"({row.source}): the part above the balance, as the bill asked.",
        )  # fmt: skip


def deposits_reversed(rows: Sequence[DepositReversed], acting_user: User) -> None:
    """Payments' hook: a void or returned payment took back what it put into a deposit.

    The deposit taken with that transaction is marked returned, with why (so the refund
    review and the interest run no longer count it from its date); if only part of it
    was taken back (one tender of several came back), its amount becomes what is still
    held of it. A note on the account says what happened either way."""
    for row in rows:
        left = row.amount
        taken = SecurityDeposit.objects.select_for_update().filter(
            account_id=row.account_id, transaction_id=row.transaction_id, returned_on__isnull=True
        )
        for dep in taken.order_by("-pk"):
            if left <= 0:
                break
            if left >= dep.amount:
                dep.returned_on, dep.returned_how = row.business_date, row.why[:100]
                dep.save(update_fields=["returned_on", "returned_how"])
                left -= dep.amount
            else:
                dep.amount -= left
                dep.save(update_fields=["amount"])
                left = Decimal("0.00")
        system_note(
            account=Account(pk=row.account_id), acting_user=acting_user,
            text=f"Security deposit of {format_money(row.amount)} taken back: {row.why}. "
            "The deposit is still to take where one is required.",
        )  # fmt: skip


BILLED_DEPOSITS = BilledDeposits(
    due=billed_deposits_due, received=billed_deposits_received, reversed=deposits_reversed
)
