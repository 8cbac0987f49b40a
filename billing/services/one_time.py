"""One-time charges: a fee from the administrator's list posted to an account.

``post_one_time_charge`` is the one way in, for the account page's form and for other
apps (collections' processing fee, service orders' meter pull or after-hours restore):

* the amount is the fee's fixed amount (``common.fees.fee_for`` with a flat rule), or,
  for a fee typed by the person charging it, an amount within the fee's minimum and
  maximum; a reason is required (card numbers refused);
* up to ``BILLING_ONE_TIME_CHARGE_APPROVAL_OVER`` it posts at once: one journal
  transaction of kind *fee*, debit the account's receivable under the fee's charge code
  (service), credit the fee's own GL revenue account;
* above it, it waits as *pending* for a second person (``common.approvals``, maker-
  checker: not the requester, a role whose limit in
  ``BILLING_ONE_TIME_CHARGE_APPROVERS`` covers the amount); approving posts it;
* the next bill the account gets shows each posted charge as its own line
  (``attach_to_bills``, called when bills post): the charge is already in the balance,
  so the bill lists it under "one-time charges" and does not post it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account
from billing_site.common import approvals
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.fees import FeeRule, fee_for
from billing_site.common.money import ZERO, format_money
from billing_site.common.roles import require_perm
from ledger.choices import TransactionKind
from ledger.services import Line, writer_for

from ..choices import FeeAmountKind, OneTimeChargeStatus
from ..models import Bill, MiscFee, OneTimeCharge

CHARGE = "billing.add_onetimecharge"
APPROVE = "billing.approve_onetimecharge"


def approval_over() -> Decimal:
    return Decimal(settings.BILLING_ONE_TIME_CHARGE_APPROVAL_OVER)


class OneTimeChargeApprovals(approvals.ApprovalFlow[OneTimeCharge]):
    approve_perm = APPROVE
    plural = "one-time charges"
    pending = OneTimeChargeStatus.PENDING
    approved = OneTimeChargeStatus.POSTED
    rejected = OneTimeChargeStatus.REJECTED
    withdrawn = OneTimeChargeStatus.WITHDRAWN
    lock_related = ("fee", "fee__service", "fee__revenue_gl")

    def amount_of(self, subject: OneTimeCharge) -> Decimal:
        return subject.amount.amount

    def limit_for(self, user: Any) -> Decimal | None:
        return approvals.limit_from_roles(user, settings.BILLING_ONE_TIME_CHARGE_APPROVERS)

    def on_approve(self, subject: OneTimeCharge, acting_user: User) -> str:
        subject.transaction = _post(subject, acting_user)
        return f"Approved; posted as transaction #{subject.transaction.pk}"

    def describe(self, subject: OneTimeCharge) -> str:
        return f"The {subject.fee.name.lower()} charge"


FLOW = OneTimeChargeApprovals()


def fee_amount(fee: MiscFee, entered: Decimal | None) -> Decimal:
    """The amount to charge: the fixed fee, or ``entered`` checked against the limits."""
    if fee.amount_kind == FeeAmountKind.FIXED:
        return fee_for(ZERO, FeeRule(flat=fee.amount.amount))
    if entered is None:
        raise ValidationError({"amount": f"Type the amount of the {fee.name.lower()} fee."})
    low, high = fee.minimum.amount, fee.maximum.amount
    if not low <= entered <= high:
        limits = f"{format_money(low)} to {format_money(high)}"
        raise ValidationError({"amount": f"The {fee.name.lower()} fee is {limits}."})
    return entered


@transaction.atomic
def post_one_time_charge(
    *,
    account: Account,
    fee: MiscFee,
    reason: str,
    acting_user: User,
    amount: Decimal | None = None,
    source: str = "",
) -> OneTimeCharge:
    """Charge ``fee`` to ``account``: posted now, or pending approval above the limit."""
    require_perm(acting_user, CHARGE, "ledger.post_transaction")
    refuse_card_numbers(reason=reason, source=source)
    if not fee.is_active:
        raise ValidationError({"fee": "This fee is no longer charged."})
    text = approvals.clean_reason(reason, field="reason", ask="Say why the account is charged.")
    charge = OneTimeCharge(
        account=account, fee=fee, amount=fee_amount(fee, amount), reason=text,
        source=source[:100], requested_by=acting_user,
    )  # fmt: skip
    if charge.amount.amount > approval_over():
        return approvals.submit(
            flow=FLOW, subject=charge, acting_user=acting_user, why=f"Requested: {text}"[:100]
        )
    charge.status = OneTimeChargeStatus.POSTED
    charge.transaction = _post(charge, acting_user)
    FLOW.save(charge, acting_user=acting_user, why=f"Posted: {text}"[:100])
    return charge


def _post(charge: OneTimeCharge, acting_user: User) -> Any:
    fee = charge.fee
    amount = charge.amount.amount
    writer = writer_for(acting_user)
    (locked,) = writer.lock([charge.account_id])
    return writer.post_now(
        kind=TransactionKind.FEE,
        lines=[
            writer.receivable_line(locked, amount, fee.service),
            Line(gl_account=fee.revenue_gl, amount=-amount),
        ],
        memo=f"{fee.name}: {charge.reason}"[:500],
        source=charge.source or f"one-time charge {fee.code}",
    )


@transaction.atomic
def one_time_charge_approve(*, charge: OneTimeCharge, acting_user: User) -> OneTimeCharge:
    return approvals.approve(flow=FLOW, subject=charge, acting_user=acting_user)


@transaction.atomic
def one_time_charge_reject(
    *, charge: OneTimeCharge, reason: str, acting_user: User
) -> OneTimeCharge:
    return approvals.reject(flow=FLOW, subject=charge, reason=reason, acting_user=acting_user)


def attach_to_bills(bills: Sequence[Bill]) -> None:
    """Each posted charge not yet on a bill goes on its account's bill just posted."""
    bill_of = {bill.account_id: bill for bill in bills}
    waiting = OneTimeCharge.objects.filter(
        account_id__in=bill_of, status=OneTimeChargeStatus.POSTED, bill__isnull=True
    ).select_for_update()
    for charge in waiting:
        charge.bill = bill_of[charge.account_id]
        charge._change_reason = f"On bill {charge.bill.number}"  # type: ignore[attr-defined]
        charge.save(update_fields=["bill"])
