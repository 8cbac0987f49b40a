"""Voids: same business day, drawer still open, approved by a supervisor who did
not take the payment. The receipt number stays, shown as VOID."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from billing_site.common.cards import refuse_card_numbers
from billing_site.common.roles import require_perm
from ledger.services import reverse_transaction

from ..choices import DrawerStatus, PaymentStatus
from ..models import Payment
from ._common import refuse, today
from .billed_deposit import deposit_reversals_record


@transaction.atomic
def payment_void_request(*, payment: Payment, reason: str, acting_user: User) -> Payment:
    """A clerk asks a supervisor to void a receipt of today; it joins the supervisors' queue."""
    require_perm(acting_user, "payments.take_payment")
    refuse_card_numbers(reason=reason)
    payment = _voidable(payment)
    if payment.void_requested_at is not None:
        raise refuse(None, f"A void of receipt {payment.receipt_label} is already requested.")
    if not reason.strip():
        raise refuse("reason", "Say why the payment should be voided.")
    payment.void_requested_by = acting_user
    payment.void_requested_at = timezone.now()
    payment.void_request_reason = reason.strip()[:500]
    payment.save(update_fields=["void_requested_by", "void_requested_at", "void_request_reason"])
    return payment


@transaction.atomic
def payment_void_decline(*, payment: Payment, acting_user: User) -> Payment:
    """A supervisor declines a requested void: the receipt stands and leaves the queue."""
    require_perm(acting_user, "payments.void_payment")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.void_requested_at is None:
        raise refuse(None, f"No void of receipt {payment.receipt_label} is requested.")
    payment.void_requested_by = None
    payment.void_requested_at = None
    payment.void_request_reason = ""
    payment.save(update_fields=["void_requested_by", "void_requested_at", "void_request_reason"])
    return payment


def _voidable(payment: Payment) -> Payment:
    payment = Payment.objects.select_for_update().select_related("drawer").get(pk=payment.pk)
    if payment.status != PaymentStatus.POSTED:
        raise refuse(None, f"Receipt {payment.receipt_label} is already {payment.status}.")
    if payment.business_date != today():
        raise refuse(None, "Only payments of today can be voided; record a returned payment.")
    if payment.drawer.status != DrawerStatus.OPEN:
        raise refuse(None, "The drawer is closed: the payment can no longer be voided.")
    return payment


@transaction.atomic
def payment_void(*, payment: Payment, reason: str, acting_user: User) -> Payment:
    require_perm(acting_user, "payments.void_payment")
    refuse_card_numbers(reason=reason)
    payment = Payment.objects.select_for_update().select_related("drawer").get(pk=payment.pk)
    if payment.taken_by_id == acting_user.pk:
        raise refuse(None, "You took this payment: another supervisor must approve its void.")
    if payment.void_requested_by_id == acting_user.pk:
        raise refuse(None, "You asked for this void: another supervisor must approve it.")
    payment = _voidable(payment)
    if not reason.strip():
        raise refuse("reason", "Say why the payment is voided.")
    reversal = reverse_transaction(
        original=payment.transaction,
        memo=f"Void of receipt {payment.receipt_label}: {reason.strip()}",
        acting_user=acting_user,
    )
    deposit_reversals_record(
        original=payment.transaction, reversal=reversal, acting_user=acting_user,
        why=f"voided with receipt {payment.receipt_label}: {reason.strip()}",
    )  # fmt: skip
    payment.status = PaymentStatus.VOID
    payment.voided_by = acting_user
    payment.voided_at = timezone.now()
    payment.void_reason = reason.strip()[:500]
    payment.void_transaction = reversal
    payment.save(
        update_fields=["status", "voided_by", "voided_at", "void_reason", "void_transaction"]
    )
    return payment
