"""Voids: same business day, drawer still open, approved by a supervisor who did
not take the payment. The receipt number stays, shown as VOID."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from billing_site.common.cards import refuse_card_numbers
from billing_site.common.roles import require_perm
from ledger.services import reverse_transaction

from ..choices import DrawerStatus, PaymentStatus
from ..models import Payment
from ._common import refuse, today


@transaction.atomic
def payment_void(*, payment: Payment, reason: str, acting_user: Any) -> Payment:
    require_perm(acting_user, "payments.void_payment")
    refuse_card_numbers(reason=reason)
    payment = Payment.objects.select_for_update().select_related("drawer").get(pk=payment.pk)
    if payment.taken_by_id == acting_user.pk:
        raise refuse(None, "You took this payment: another supervisor must approve its void.")
    if payment.status != PaymentStatus.POSTED:
        raise refuse(None, f"Receipt {payment.receipt_label} is already {payment.status}.")
    if payment.business_date != today():
        raise refuse(None, "Only payments of today can be voided; record a returned payment.")
    if payment.drawer.status != DrawerStatus.OPEN:
        raise refuse(None, "The drawer is closed: the payment can no longer be voided.")
    if not reason.strip():
        raise refuse("reason", "Say why the payment is voided.")
    reversal = reverse_transaction(
        original=payment.transaction,
        memo=f"Void of receipt {payment.receipt_label}: {reason.strip()}",
        acting_user=acting_user,
    )
    payment.status = PaymentStatus.VOID
    payment.voided_by = acting_user
    payment.voided_at = timezone.now()
    payment.void_reason = reason.strip()[:500]
    payment.void_transaction = reversal
    payment.save(
        update_fields=["status", "voided_by", "voided_at", "void_reason", "void_transaction"]
    )
    return payment
