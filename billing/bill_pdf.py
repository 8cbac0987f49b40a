"""A bill as a PDF: a letter page with a detachable remittance stub (account number,
amount due, due date and the scanline, ``billing.scanline``).

A posted bill's PDF is stored as a document the first time it is asked for
(``bill_document``): every later print is those same bytes (a reprint is identical).
A draft is rendered on demand, marked DRAFT, and never stored. Batches go through
``render_many`` (``bill_documents``), whose worker processes build each bill's
context themselves from its id (``bill_context``).

The city's name and contact come from ``settings.BILLING_CITY_NAME`` and
``settings.BILLING_CITY_CONTACT`` (``billing_site/settings/base.py``). The bill also
carries the 13-month usage chart (``billing.usage_chart``), the run's message and the
account's messages (``billing.bill_messages``), the budget amount when the bill has
one (``Bill.budget_amount``, where budget billing is enrolled), a security deposit to
collect with the bill beside the amount due (``Bill.deposit_due``, never part of it), and
on the stub the amount to pay (``Bill.stub_amount``: amount due and deposit) with the
scanline as digits and as a Code 128 barcode (``billing.stub_barcode``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from billing_site.common.documents import (
    DocumentRequest,
    document_bytes,
    document_render_and_store,
    document_render_and_store_many,
)
from billing_site.common.pdf import PdfJob, render_job

from . import bill_listing
from .bill_messages import bill_messages
from .choices import BillStatus
from .models import Bill, MeterRead
from .scanline import scanline
from .selectors import one_time_charges_for_bill
from .stub_barcode import code128_svg
from .usage_chart import chart_bars, usage_history

KIND = "billing.bill"
TEMPLATE = "billing/pdf/bill.html"
STYLESHEET = "billing/pdf/bill.css"


def bill_context(*, bill_pk: int) -> dict[str, Any]:
    """Everything the bill template shows (run in a render worker, from the id alone)."""
    bill = Bill.objects.select_related("run__cycle", "account__customer", "account__premise").get(
        pk=bill_pk
    )
    lines = list(bill.lines.select_related("service").order_by("position"))
    reads = list(
        MeterRead.objects.filter(
            premise_id=bill.account.premise_id,
            read_date__gte=bill.period_start - timedelta(days=1),
            read_date__lte=bill.period_end,
        )
        .select_related("meter")
        .order_by("meter__number", "read_date")
    )
    line = scanline(
        account_number=bill.account.number, amount_due=bill.stub_amount, due_date=bill.due_date
    )
    history = usage_history(bill)
    messages = bill_messages(account_ids=[bill.account_id], bill_date=bill.run.bill_date)
    context = {
        "bill": bill, "lines": lines, "reads": reads, "account": bill.account,
        "customer": bill.account.customer, "premise": bill.account.premise,
        "draft": bill.status != BillStatus.POSTED,
        "scanline": line, "barcode": code128_svg(line),
        "usage_history": history, "usage_bars": chart_bars(history),
        "usage_units": reads[0].meter.get_units_display() if reads else "",
        "messages": messages[bill.account_id],
        "budget_amount": getattr(bill, "budget_amount", None),
        "one_time_charges": list(one_time_charges_for_bill(bill)),
        "city_name": settings.BILLING_CITY_NAME,
        "city_contact": settings.BILLING_CITY_CONTACT,
    }  # fmt: skip
    context["listing"] = {
        "stub": bill_listing.stub(context), "facts": bill_listing.facts(context),
        "reads": bill_listing.reads(context), "charges": bill_listing.charges(context),
    }  # fmt: skip
    return context


def bill_job(bill: Bill) -> PdfJob:
    return PdfJob(
        TEMPLATE,
        {"bill_pk": bill.pk},
        stylesheet=STYLESHEET,
        context_builder="billing.bill_pdf.bill_context",
    )


def bill_pdf(*, bill: Bill, acting_user: User) -> bytes:
    """The bill's PDF: the stored document of a posted bill, a fresh DRAFT otherwise."""
    if bill.status != BillStatus.POSTED:
        return render_job(bill_job(bill))
    return document_bytes(bill_document(bill=bill, acting_user=acting_user))


def bill_document(*, bill: Bill, acting_user: User) -> Any:
    """The posted bill's stored document (rendered and stored the first time)."""
    return document_render_and_store(
        kind=KIND, subject=bill, job=bill_job(bill), acting_user=acting_user
    )


def bill_documents(*, bills: Sequence[Bill], acting_user: User) -> list[Any]:
    """Many posted bills' documents, the missing ones rendered in worker processes."""
    requests = [DocumentRequest(subject=b, job=bill_job(b)) for b in bills]
    return document_render_and_store_many(kind=KIND, requests=requests, acting_user=acting_user)
