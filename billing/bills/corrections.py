"""Corrections of posted bills: a posted bill is never edited.

* ``bill_cancel`` reverses the bill's journal charges in the open business day
  (``ledger.services.reverse_transaction``) with a reason code; the bill stays as it
  was printed, marked cancelled, and names its reversal.
* ``bill_rebill`` calculates the account again for the same period, from the reads
  and agreement as they are now (a corrected read, a fixed determinant), and posts
  the new bill at once with the next bill number; it names the bill it replaces.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_site.common.roles import require_perm
from ledger.services import reverse_transaction

from ..choices import BillStatus, CancelReason
from ..models import Bill, BillLine
from .calculate import draft_bill
from .runs import (
    POST,
    CannotBill,
    balances_since_last_bill,
    bill_lines,
    new_bill,
    post_bills,
    refuse_credits,
)


@transaction.atomic
def bill_cancel(*, bill: Bill, reason: str, acting_user: User, note: str = "") -> Bill:
    """Cancel a posted bill: its charges reversed today, the bill kept, marked cancelled."""
    require_perm(acting_user, POST, "ledger.post_transaction")
    if reason not in CancelReason.values:
        raise ValidationError({"reason": "Choose why the bill is cancelled."})
    if reason == CancelReason.OTHER and not note.strip():
        raise ValidationError({"note": "Say why the bill is cancelled."})
    locked = Bill.objects.select_for_update().get(pk=bill.pk)
    if locked.status != BillStatus.POSTED:
        raise ValidationError(f"Only a posted bill can be cancelled; this one is {locked.status}.")
    if locked.transaction is None:
        raise ValidationError("This bill posted no charges; there is nothing to cancel.")
    locked.reversal = reverse_transaction(
        original=locked.transaction,
        memo=f"Bill {locked.number} cancelled: {CancelReason(reason).label}"[:500],
        acting_user=acting_user,
    )
    locked.status = BillStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = acting_user
    locked.cancel_reason = reason
    locked.cancel_note = note[:300]
    locked.save()
    return locked


@transaction.atomic
def bill_rebill(*, bill: Bill, acting_user: User) -> Bill:
    """A new posted bill for the cancelled bill's account and period, from today's reads."""
    require_perm(acting_user, POST, "ledger.post_transaction")
    old = Bill.objects.select_for_update().select_related("run").get(pk=bill.pk)
    if old.status != BillStatus.CANCELLED:
        raise ValidationError("Cancel the bill first; a posted bill is never edited.")
    if Bill.objects.filter(rebill_of=old).exists():
        raise ValidationError(f"Bill {old.number} was rebilled already.")
    try:
        draft = draft_bill(account_id=old.account_id, start=old.period_start, end=old.period_end)
        refuse_credits(draft)
    except CannotBill as refused:
        raise ValidationError(str(refused)) from None
    since = balances_since_last_bill([old.account_id])[old.account_id]
    new = new_bill(old.run, old.account_id, draft, since, [])
    new.rebill_of = old
    new.save()
    BillLine.objects.bulk_create(bill_lines(new, draft))
    post_bills([new], acting_user)
    return Bill.objects.get(pk=new.pk)
