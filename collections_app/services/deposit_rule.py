"""The deposit rule started when service starts: the requirement (class, credit band, own
history: ``deposits.deposit_requirement``) recorded on the account as a deposit required,
so the account page and the counter say how much is still to take. Nothing is posted: the
deposit is taken at the counter (``deposits.deposit_collect``) like any other."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from accounts.models import Account
from accounts.services import system_note
from billing_site.common.money import format_money
from billing_site.common.roles import require_perm
from ledger.selectors import current_business_date, deposit_held

from ..models import DepositRequired
from .deposits import deposit_requirement

PERM = "ledger.manage_deposits"


@transaction.atomic
def deposit_rule_start(
    *, account: Account, reason: str, acting_user: User
) -> DepositRequired | None:
    """Record the deposit the rule asks of ``account`` (None when it asks none)."""
    require_perm(acting_user, PERM)
    need = deposit_requirement(account, today=current_business_date())
    if need.amount <= 0:
        return None
    row = DepositRequired(
        account=account, amount=need.amount, band=need.band, why=need.why[:300],
        reason=reason[:200], recorded_by=acting_user,
    )  # fmt: skip
    row.full_clean()
    row.save()
    system_note(
        account=account, acting_user=acting_user,
        text=f"Deposit of {format_money(need.amount)} required ({need.why}); {reason}.",
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
    return [
        f"Deposit required: {format_money(due.to_take)} still to take "
        f"(of {format_money(due.required.amount)}; {due.required.why})."
    ]
