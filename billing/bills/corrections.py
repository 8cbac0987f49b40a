"""Corrections of posted bills: a posted bill is never edited.

* ``bill_cancel`` reverses the bill's journal charges in the open business day
  (``ledger.services.reverse_transaction``) with a reason code; the bill stays as it
  was printed, marked cancelled, and names its reversal.
* ``bill_rebill`` calculates the account again for the same period, from the reads
  and agreement as they are now (a corrected read, a fixed determinant), and posts
  the new bill at once with the next bill number; it names the bill it replaces.
* ``bill_cancel_and_rebill`` does both at once (the bill page's form).
* ``rebill_estimates`` cancels and rebills, with the reason "estimated read replaced
  by an actual read", each account's latest bill that was estimated once an actual
  read for its period is in (the read import's result page offers it for the
  accounts of the file; the bill page for one bill).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_site.common.cards import refuse_card_numbers
from billing_site.common.roles import require_perm
from ledger.services import reverse_transaction

from ..choices import BillRunKind, BillStatus, CancelReason
from ..models import Bill, BillLine, OneTimeCharge
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
    refuse_card_numbers(note=note)  # before the bill is read
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
    # A final bill is priced in its run's whole period (the proration basis).
    end = old.run.period_end if old.run.kind == BillRunKind.FINAL else old.period_end
    try:
        draft = draft_bill(account_id=old.account_id, start=old.period_start, end=end)
        refuse_credits(draft)
    except CannotBill as refused:
        raise ValidationError(str(refused)) from None
    since = balances_since_last_bill([old.account_id])[old.account_id]
    new = new_bill(old.run, old.account_id, draft, since, [])
    new.period_start, new.period_end = old.period_start, old.period_end
    new.final_bill = new.final_bill or old.final_bill
    new.rebill_of = old
    new.save()
    BillLine.objects.bulk_create(bill_lines(new, draft))
    _move_one_time_charges(old, new)
    post_bills([new], acting_user)
    return Bill.objects.get(pk=new.pk)


def _move_one_time_charges(old: Bill, new: Bill) -> None:
    """The cancelled bill's one-time charges show on its rebill instead."""
    for charge in OneTimeCharge.objects.filter(bill=old):
        charge.bill = new
        charge._change_reason = f"Moved to the rebill of bill {old.number}"  # type: ignore[attr-defined]
        charge.save(update_fields=["bill"])


@transaction.atomic
def bill_cancel_and_rebill(*, bill: Bill, reason: str, acting_user: User, note: str = "") -> Bill:
    """Cancel the bill and post its rebill in one transaction (the bill page's form)."""
    cancelled = bill_cancel(bill=bill, reason=reason, note=note, acting_user=acting_user)
    return bill_rebill(bill=cancelled, acting_user=acting_user)


def estimated_bills_with_actuals(account_ids: Sequence[int]) -> list[Bill]:
    """Each account's latest posted bill, when it was estimated and an actual read for its
    period has arrived since (calculating it again now would not estimate)."""
    latest = (
        Bill.objects.filter(account_id__in=account_ids, status=BillStatus.POSTED)
        .order_by("account_id", "-number")
        .distinct("account_id")
    )
    found = []
    for bill in latest:
        if not bill.estimated:
            continue
        try:
            again = draft_bill(
                account_id=bill.account_id, start=bill.period_start, end=bill.period_end
            )
        except CannotBill:
            continue
        if not again.estimated:
            found.append(bill)
    return found


@transaction.atomic
def rebill_estimates(*, account_ids: Sequence[int], acting_user: User) -> list[Bill]:
    """Cancel and rebill every estimated bill of these accounts whose actual read arrived.

    Only an account's latest bill is rebilled: a later bill was already calculated from
    the reads as they stood, and is corrected by hand if it must be."""
    require_perm(acting_user, POST, "ledger.post_transaction")
    return [
        bill_cancel_and_rebill(bill=bill, reason=CancelReason.ESTIMATE, acting_user=acting_user)
        for bill in estimated_bills_with_actuals(account_ids)
    ]
