"""The payments app's stored documents: receipts and bank deposit slips.

A receipt's original (the first print, by the clerk who took the payment) is
stored with its checksum, per paper size; every later print is rendered afresh
with COPY on it (and VOID or RETURNED if that happened since), exactly as before,
and counted on the stored original. A deposit slip is fixed once the day is
closed out: it is stored when the closeout runs (after its transaction) and every
print is the stored file, byte-identical; viewing it is a GET and counts nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from billing_site.common.documents import (
    document_bytes,
    document_copy_counted,
    document_render_and_store,
    stored_document,
)
from billing_site.common.pdf import PdfJob, render_job

from .models import Closeout, Deposit, Payment
from .reports import deposit_slip_job
from .selectors import payment_for_receipt

RECEIPT = "payments.receipt"
DEPOSIT_SLIP = "payments.deposit_slip"
RECEIPT_SIZES = ("letter", "80mm")


def receipt_context(*, payment_pk: int, size: str, copy: bool) -> dict[str, Any]:
    """What the receipt PDF shows (also the builder of batch-rendered receipts)."""
    return {"payment": payment_for_receipt(payment_pk), "copy": copy, "size": size}


def receipt_job(payment: Payment, *, size: str, copy: bool) -> PdfJob:
    return PdfJob(
        "payments/pdf/receipt.html",
        {"payment_pk": payment.pk, "size": size, "copy": copy},
        stylesheet="payments/pdf/receipt.css",
        context_builder="payments.documents.receipt_context",
        fit_height=size == "80mm",  # roll paper: the page is as long as the receipt
    )


def receipt_document_pdf(*, payment: Payment, size: str, copy: bool, acting_user: User) -> bytes:
    """The receipt as printed now: the stored original, or a fresh copy saying COPY."""
    if size not in RECEIPT_SIZES:
        raise ValueError(f"No receipt size {size!r}.")
    if not copy:
        original = document_render_and_store(
            kind=RECEIPT,
            subject=payment,
            variant=size,
            job=receipt_job(payment, size=size, copy=False),
            acting_user=acting_user,
        )
        return document_bytes(original)
    data = render_job(receipt_job(payment, size=size, copy=True))
    stored = stored_document(kind=RECEIPT, subject=payment, variant=size)
    if stored is not None:
        document_copy_counted(document=stored, acting_user=acting_user)
    return data


def deposit_slips_store(*, closeout: Closeout, acting_user: User) -> None:
    """Store the closeout's slips as printed from now on (after its transaction, not in it)."""
    for deposit in closeout.deposits.select_related("fund"):
        if stored_document(kind=DEPOSIT_SLIP, subject=deposit) is None:
            document_render_and_store(
                kind=DEPOSIT_SLIP,
                subject=deposit,
                job=deposit_slip_job(deposit),
                acting_user=acting_user,
            )


def deposit_slip_document_pdf(*, deposit: Deposit) -> bytes:
    """The deposit slip as stored at the closeout, byte-identical every time.

    Viewing it is a GET and changes nothing; a slip of a closeout from before slips
    were stored is rendered afresh (the same figures: the day is closed).
    """
    stored = stored_document(kind=DEPOSIT_SLIP, subject=deposit)
    if stored is not None:
        return document_bytes(stored)
    return render_job(deposit_slip_job(deposit))
