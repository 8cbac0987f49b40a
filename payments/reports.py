"""Cashiering reports as plain tables, rendered as HTML, PDF and CSV by one view.

- journal: the daily cash receipts journal, every receipt and batch row of a day.
- tenders: tender summary by drawer and clerk (and batches) for a day.
- gl: GL distribution of the day's postings by fund and GL account.
- overshort: over/short history of closed drawers over a date range.
- register: voids and returns register over a date range.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from billing_site.common.money import ZERO
from billing_site.common.pdf import PdfJob, render_job
from ledger.choices import TransactionKind
from ledger.models import JournalEntry, JournalTransaction

from .choices import DrawerStatus, ItemStatus, PaymentStatus, TenderKind
from .models import Drawer, Payment, RemittanceItem, ReturnedPayment
from .selectors import deposit_checks, deposit_mail_checks


@dataclass
class Report:
    title: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    totals: list[Any] | None = None
    period: str = ""


def journal(day: date, _start: date) -> Report:
    report = Report(
        "Daily cash receipts journal",
        ["Receipt", "Time", "Clerk or batch", "Paid for", "Tenders", "Status", "Amount"],
        period=str(day),
    )
    payments = (
        Payment.objects.filter(business_date=day)
        .select_related("taken_by")
        .prefetch_related("tenders", "lines__account", "lines__misc_item")
        .order_by("drawer_id", "receipt_number")
    )
    total = ZERO
    for p in payments:
        paid_for = ", ".join(
            line.account.number if line.account else line.misc_item.name  # type: ignore[union-attr]
            for line in p.lines.all()
        )
        tenders = ", ".join(f"{t.get_kind_display()} {t.amount.amount}" for t in p.tenders.all())
        report.rows.append(
            [
                p.receipt_label,
                p.taken_at,
                p.taken_by.username,
                paid_for,
                tenders,
                p.get_status_display(),
                p.total.amount,
            ]
        )
        total += ZERO if p.status == PaymentStatus.VOID else p.total.amount
    for item in _batch_items(day):
        report.rows.append(
            [
                f"B{item.batch.number}-{item.line_number}",
                item.resolved_at or item.batch.posted_at,
                f"{item.batch.get_kind_display()} {item.batch.number}",
                item.account.number,  # type: ignore[union-attr]
                f"Check {item.check_number}",
                item.get_status_display(),
                item.amount.amount,
            ]
        )
        total += item.amount.amount
    report.totals = ["Total (voids excluded)", "", "", "", "", "", total]
    return report


def _batch_items(day: date) -> list[RemittanceItem]:
    return list(
        RemittanceItem.objects.filter(
            business_date=day, status__in=[ItemStatus.POSTED, ItemStatus.RETURNED]
        )
        .select_related("batch", "account")
        .order_by("batch__number", "line_number")
    )


def tenders(day: date, _start: date) -> Report:
    kinds = [TenderKind.CASH, TenderKind.CHECK, TenderKind.MONEY_ORDER, TenderKind.CARD]
    report = Report(
        "Tender summary by drawer and clerk",
        [
            "Drawer",
            "Clerk",
            "Receipts",
            "Cash less change",
            "Checks",
            "Money orders",
            "Cards",
            "Total",
        ],
        period=str(day),
    )
    sums = [ZERO] * 5
    count = 0
    for drawer in Drawer.objects.filter(business_date=day).select_related("clerk").order_by("id"):
        posted = Payment.objects.filter(drawer=drawer).exclude(status=PaymentStatus.VOID)
        by_kind = dict(
            posted.values_list("tenders__kind")
            .annotate(t=Sum("tenders__amount"))
            .values_list("tenders__kind", "t")
        )
        change = posted.aggregate(c=Sum("change_due"))["c"] or ZERO
        amounts = [by_kind.get(k) or ZERO for k in kinds]
        amounts[0] -= change
        row_total = sum(amounts, ZERO)
        receipts = posted.count()
        report.rows.append([drawer.pk, drawer.clerk.username, receipts, *amounts, row_total])
        sums = [a + b for a, b in zip(sums, [*amounts, row_total], strict=True)]
        count += receipts
    by_batch: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO])
    for item in _batch_items(day):
        key = f"{item.batch.get_kind_display()} {item.batch.number}"
        by_batch[key][0] += 1
        by_batch[key][1] += item.amount.amount
    for key, (n, amount) in by_batch.items():
        report.rows.append([key, "", n, ZERO, amount, ZERO, ZERO, amount])
        sums[1] += amount
        sums[4] += amount
        count += n
    report.totals = ["Total", "", count, *sums]
    return report


def gl(day: date, _start: date) -> Report:
    """The journal of business day ``day`` only (its transactions' business date).

    The period names how many transactions of which kinds it sums, so a day that
    holds an unusual posting (a year of charges in one bill run) says so.
    """
    kinds = dict(
        JournalTransaction.objects.filter(business_date=day)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    labels = dict(TransactionKind.choices)
    summary = ", ".join(f"{labels.get(k, k).lower()} {n}" for k, n in sorted(kinds.items()))
    count = sum(kinds.values())
    report = Report(
        "GL distribution by fund and GL account",
        ["Fund", "GL account", "Name", "Debits", "Credits", "Net"],
        period=f"postings of business day {day} only: {count} journal transaction"
        f"{'' if count == 1 else 's'}{f' ({summary})' if summary else ''}",
    )
    rows = (
        JournalEntry.objects.filter(transaction__business_date=day)
        .values(
            "gl_account__fund__code",
            "gl_account__fund__name",
            "gl_account__code",
            "gl_account__name",
        )
        .annotate(
            debits=Sum("amount", filter=Q(amount__gt=0)),
            credits=Sum("amount", filter=Q(amount__lt=0)),
        )
        .order_by("gl_account__fund__code", "gl_account__code")
    )
    total_d = total_c = ZERO
    for r in rows:
        debits, credits = r["debits"] or ZERO, -(r["credits"] or ZERO)
        report.rows.append(
            [
                f"{r['gl_account__fund__code']} {r['gl_account__fund__name']}",
                r["gl_account__code"],
                r["gl_account__name"],
                debits,
                credits,
                debits - credits,
            ]
        )
        total_d += debits
        total_c += credits
    report.totals = ["Total", "", "", total_d, total_c, total_d - total_c]
    return report


def overshort(day: date, start: date) -> Report:
    report = Report(
        "Over/short history",
        ["Business day", "Drawer", "Clerk", "Expected", "Counted", "Over (+) / short (-)"],
        period=f"{start} to {day}",
    )
    drawers = (
        Drawer.objects.filter(status=DrawerStatus.CLOSED, business_date__range=(start, day))
        .select_related("clerk")
        .order_by("business_date", "id")
    )
    total = ZERO
    for d in drawers:
        expected = _amount(d.expected_cash) + _amount(d.expected_checks)
        counted = _amount(d.counted_cash) + sum((Decimal(a) for _n, a in d.counted_checks), ZERO)
        diff = _amount(d.over_short)
        report.rows.append([d.business_date, d.pk, d.clerk.username, expected, counted, diff])
        total += diff
    report.totals = ["Total", "", "", "", "", total]
    return report


def _amount(money: Any) -> Decimal:
    return money.amount if money is not None else ZERO


def register(day: date, start: date) -> Report:
    report = Report(
        "Voids and returns register",
        ["Business day", "What", "Receipt or item", "Amount", "Fee", "By", "Reason"],
        period=f"{start} to {day}",
    )
    voids = (
        Payment.objects.filter(status=PaymentStatus.VOID, business_date__range=(start, day))
        .select_related("voided_by")
        .order_by("business_date", "id")
    )
    for p in voids:
        report.rows.append(
            [
                p.business_date,
                "Void",
                p.receipt_label,
                p.total.amount,
                ZERO,
                p.voided_by.username if p.voided_by else "",
                p.void_reason,
            ]
        )
    returns = (
        ReturnedPayment.objects.filter(business_date__range=(start, day))
        .select_related("payment", "item__batch", "recorded_by")
        .order_by("business_date", "id")
    )
    for r in returns:
        label = r.payment.receipt_label if r.payment else r.item.label  # type: ignore[union-attr]
        report.rows.append(
            [
                r.business_date,
                r.get_kind_display(),
                label,
                r.amount.amount,
                r.fee.amount,
                r.recorded_by.username,
                r.reason,
            ]
        )
    report.rows.sort(key=lambda row: row[0])
    total = sum((row[3] for row in report.rows), ZERO)
    fees = sum((row[4] for row in report.rows), ZERO)
    report.totals = ["Total", "", "", total, fees, "", ""]
    return report


REPORTS: dict[str, tuple[str, Callable[[date, date], Report], bool]] = {
    "journal": ("Daily cash receipts journal", journal, False),
    "tenders": ("Tender summary by drawer and clerk", tenders, False),
    "gl": ("GL distribution by fund and GL account", gl, False),
    "overshort": ("Over/short history", overshort, True),
    "register": ("Voids and returns register", register, True),
}


SLIP_BLOCK = 50  # lines per <pre> block: WeasyPrint re-reads the rest of a block per line


def deposit_slip_lines(deposit: Any) -> list[str]:
    """The slip's checks and money orders, one fixed-width text line each."""
    rows = [
        (t.payment.receipt_label, t.get_kind_display(), t.reference, t.amount.amount)
        for t in deposit_checks(deposit)
    ]
    rows += [
        (f"Batch {i.batch.number}-{i.line_number}", "Mail check", i.check_number, i.amount.amount)
        for i in deposit_mail_checks(deposit)
    ]
    return [f"{r:<22} {k:<16} {n[:40]:<40} {a:>14}" for r, k, n, a in rows]


def deposit_slip_pdf(deposit: Any) -> bytes:
    """The bank deposit slip as a PDF: totals by kind, then every check listed.

    The check list is a fixed-width listing like the cash reports (not a table),
    so a day with a thousand checks renders in about a second. Printing goes
    through ``payments.documents``, which stores the slip and reprints it as stored.
    """
    return render_job(deposit_slip_job(deposit))


def deposit_slip_job(deposit: Any) -> PdfJob:
    lines = deposit_slip_lines(deposit)
    blocks = ["\n".join(lines[i : i + SLIP_BLOCK]) for i in range(0, len(lines), SLIP_BLOCK)]
    heading = f"{'Receipt':<22} {'Kind':<16} {'Number':<40} {'Amount':>14}"
    return PdfJob(
        "payments/pdf/deposit_slip.html",
        {"deposit": deposit, "blocks": blocks, "heading": heading, "count": len(lines)},
        stylesheet="payments/pdf/report.css",
    )
