"""Write-offs to bad debt (supervisors only): up to ``COLLECTIONS_WRITE_OFF_LIMIT`` (default
$500.00) posted at once by the supervisor asking; above it a second supervisor approves
(``ApprovalFlow``: never the one who asked). A recovery reverses that much of the
write-off (the account owes it again) and then posts the payment, so the recovered cash
pays the receivable it came from and bad debt shrinks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services as account_services
from accounts.models import Account
from billing_site.common import approvals, roles
from billing_site.common.approvals import ApprovalFlow, clean_reason
from billing_site.common.money import format_money
from billing_site.common.roles import require_perm
from ledger import services as ledger
from ledger.models import JournalTransaction

from ..choices import WriteOffStatus
from ..models import WriteOff

REQUEST_PERM = "collections.add_writeoff"
APPROVE_PERM = "collections.approve_writeoff"


def write_off_limit() -> Decimal:
    return Decimal(str(settings.COLLECTIONS_WRITE_OFF_LIMIT))


def _post(subject: WriteOff, acting_user: User) -> str:
    account = Account.objects.get(pk=subject.account_id)
    txn = ledger.write_off(
        account=account,
        memo=f"Write-off {subject.pk}: {subject.reason}",
        acting_user=acting_user,
        source=f"writeoff:{subject.pk}",
    )
    subject.transaction_id = txn.pk
    return f"Written off as transaction #{txn.pk}"


class WriteOffs(ApprovalFlow[WriteOff]):
    approve_perm = APPROVE_PERM
    plural = "write-offs"
    pending, approved = WriteOffStatus.PENDING, WriteOffStatus.POSTED
    rejected, withdrawn = WriteOffStatus.REJECTED, WriteOffStatus.WITHDRAWN

    def amount_of(self, subject: WriteOff) -> Decimal:
        return subject.amount

    def limit_for(self, user: Any) -> Decimal | None:
        return approvals.limit_from_roles(user, {roles.SUPERVISOR: None})

    def on_approve(self, subject: WriteOff, acting_user: User) -> str:
        return _post(subject, acting_user)


WRITE_OFFS = WriteOffs()


def _save(row: WriteOff, *, acting_user: User, why: str) -> None:
    row._history_user = acting_user  # type: ignore[attr-defined]
    row._change_reason = why  # type: ignore[attr-defined]
    row.full_clean()
    row.save()


@transaction.atomic
def write_off_request(*, account: Account, reason: str, acting_user: User) -> WriteOff:
    """Write off what the account owes: posted now up to the limit, else left for approval."""
    require_perm(acting_user, REQUEST_PERM)
    account = Account.objects.select_for_update().get(pk=account.pk)
    owed = account.balance.amount
    if owed <= 0:
        raise ValidationError(f"Account {account.number} owes nothing to write off.")
    text = clean_reason(reason, field="reason", ask="Say why the balance is uncollectible.")
    row = WriteOff(account=account, amount=owed, reason=text)
    approvals.submit(flow=WRITE_OFFS, subject=row, acting_user=acting_user, why="Write-off asked")
    if owed <= write_off_limit():
        why = _post(row, acting_user)
        row.status = WriteOffStatus.POSTED
        _save(row, acting_user=acting_user, why=why)
    account_services.note_add(
        account=account,
        acting_user=acting_user,
        text=f"Write-off of {format_money(owed)} ({row.get_status_display().lower()}): {text}",
    )
    return row


def write_off_approve(*, write_off: WriteOff, acting_user: User) -> WriteOff:
    return approvals.approve(flow=WRITE_OFFS, subject=write_off, acting_user=acting_user)


@transaction.atomic
def write_off_recover(
    *, write_off: WriteOff, amount: Decimal, memo: str, acting_user: User
) -> JournalTransaction:
    """Money collected on a written-off account: reverse that much of the write-off first,
    then post the payment (which pays the receivable owed again)."""
    require_perm(acting_user, REQUEST_PERM)
    row = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    if row.status != WriteOffStatus.POSTED or row.transaction_id is None:
        raise ValidationError("Only a posted write-off can be recovered.")
    if amount <= 0 or row.recovered + amount > row.amount:
        raise ValidationError(
            {"amount": f"At most {format_money(row.amount - row.recovered)} is left to recover."}
        )
    original = JournalTransaction.objects.get(pk=row.transaction_id)
    ledger.reverse_part(
        original=original,
        amount=amount,
        memo=f"Recovery on write-off {row.pk}",
        acting_user=acting_user,
    )
    paid = ledger.post_payment(
        account=row.account, amount=amount, memo=memo, acting_user=acting_user
    )
    row.recovered += amount
    _save(row, acting_user=acting_user, why=f"Recovered {format_money(amount)}")
    return paid


def write_offs_reverse_for(
    *, account: Account, amount: Decimal, memo: str, acting_user: User
) -> Decimal:
    """Before ``amount`` collected on ``account`` applies (an agency's remittance): reverse up
    to that much of its posted write-offs, oldest first, and return how much was reversed.
    The caller posts the payment next, in the same transaction."""
    left = amount
    rows = WriteOff.objects.select_for_update().filter(
        account=account, status=WriteOffStatus.POSTED, transaction_id__isnull=False
    )
    for row in rows.order_by("pk"):
        take = min(left, row.amount - row.recovered)
        if take <= 0 or row.transaction_id is None:
            continue
        ledger.reverse_part(
            original=JournalTransaction.objects.get(pk=row.transaction_id),
            amount=take,
            memo=f"Recovery on write-off {row.pk}: {memo}"[:500],
            acting_user=acting_user,
        )
        row.recovered += take
        _save(row, acting_user=acting_user, why=f"Recovered {format_money(take)}")
        left -= take
        if left <= 0:
            break
    return amount - left
