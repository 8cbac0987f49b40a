"""The bill-print export: one CSV row per printed bill for a mailing vendor, then totals.

Layout (documented in ``docs/bills.md``; the header row names the columns):
``record`` is ``B`` for a bill and ``T`` for the one totals row at the end. Money is
dollars with two decimals, dates ``YYYY-MM-DD``, text cells that begin with
``= + - @`` are prefixed with an apostrophe (``billing_site.common.csvutil``). UTF-8,
comma-separated, CRLF line ends, no byte-order mark (a vendor's loader reads it; a
spreadsheet opens it too). ``pdf_first_page``/``pdf_pages`` say where the bill is in
the run's combined PDF, so a vendor can split it. The totals row carries the number
of bills in ``bill_number``, the sums of the money columns and the combined PDF's
pages in ``pdf_pages``; its other cells are empty.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from billing_site.common.csvutil import cell

from ..bill_messages import bill_messages
from ..models import Bill, BillLine, BillRun
from ..scanline import scanline

HEADER = (
    "record", "bill_number", "account_number", "customer_name", "mailing_line1",
    "mailing_line2", "mailing_city", "mailing_state", "mailing_zip", "service_address",
    "bill_date", "period_start", "period_end", "due_date", "previous_balance", "payments",
    "adjustments", "new_charges", "amount_due", "budget_amount", "usage", "scanline",
    "messages", "pdf_first_page", "pdf_pages", "deposit_due", "stub_amount",
)  # fmt: skip
MONEY = (
    "previous_balance", "payments", "adjustments", "new_charges", "amount_due", "deposit_due",
    "stub_amount",
)  # fmt: skip
BATCH = 2000  # accounts per call of the message sources


def export_csv(*, run: BillRun, bills: Sequence[Bill], pages: dict[int, tuple[int, int]]) -> bytes:
    """The export file of these printed bills (``pages``: bill pk -> first page, pages)."""
    full = list(
        Bill.objects.filter(pk__in=[b.pk for b in bills])
        .select_related("account__customer", "account__premise")
        .order_by("pk")
    )
    usage = bill_usage([b.pk for b in full])
    messages: dict[int, list[str]] = {}
    ids = [b.account_id for b in full]
    for start in range(0, len(ids), BATCH):
        messages.update(
            bill_messages(account_ids=ids[start : start + BATCH], bill_date=run.bill_date)
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for bill in full:
        row = _row(run, bill, usage.get(bill.pk), messages.get(bill.account_id, []), pages)
        for name in (*MONEY, "budget_amount"):
            value = row[HEADER.index(name)]
            totals[name] += getattr(value, "amount", value) or Decimal(0)
        writer.writerow([cell(v) for v in row])
    trailer: list[Any] = ["T", len(full)] + [""] * (len(HEADER) - 2)
    for name in (*MONEY, "budget_amount"):
        trailer[HEADER.index(name)] = totals[name]
    trailer[HEADER.index("pdf_pages")] = sum(count for _first, count in pages.values())
    writer.writerow([cell(v) for v in trailer])
    return out.getvalue().encode()


def _row(
    run: BillRun,
    bill: Bill,
    usage: Decimal | None,
    messages: list[str],
    pages: dict[int, tuple[int, int]],
) -> list[Any]:
    customer, premise = bill.account.customer, bill.account.premise
    first, count = pages.get(bill.pk, (None, None))
    return [
        "B", bill.number, bill.account.number, customer.display_name, customer.mailing_line1,
        customer.mailing_line2, customer.mailing_city, customer.mailing_state,
        customer.mailing_zip, str(premise) if premise else "", run.bill_date, bill.period_start,
        bill.period_end, bill.due_date, bill.previous_balance, bill.payments, bill.adjustments,
        bill.new_charges, bill.amount_due, getattr(bill, "budget_amount", None),
        f"{usage.normalize():f}" if usage is not None else "",
        scanline(account_number=bill.account.number, amount_due=bill.stub_amount,
                 due_date=bill.due_date),
        " | ".join(messages), first, count, bill.deposit_due, bill.stub_amount,
    ]  # fmt: skip


def bill_usage(bill_ids: list[int]) -> dict[int, Decimal]:
    """Each bill's use as its usage chart counts it (``billing.usage_chart``), in one query."""
    found: dict[int, tuple[int, Decimal]] = {}
    for bill_id, service_id, usage in (
        BillLine.objects.filter(bill_id__in=bill_ids, usage__isnull=False)
        .order_by("bill_id", "position")
        .values_list("bill_id", "service_id", "usage")
    ):
        first = found.setdefault(bill_id, (service_id, usage))
        if first[0] == service_id and usage > first[1]:
            found[bill_id] = (service_id, usage)
    return {bill_id: usage for bill_id, (_service, usage) in found.items()}
