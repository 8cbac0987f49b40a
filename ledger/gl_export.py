"""The city's general ledger: one summarised journal per closed business day.

After a closeout closes a day, finance posts the utility's activity of that day
into the city's GL system. This module sums the day's journal entries per GL
account and fund (debits and credits apart), writes the interface file laid out
in ``docs/gl_export.md`` (a column line, one ``D`` line per GL account, a ``T``
line with the line count and the control total), and keeps the file once per day
as a stored document: a second export of the same day says it was already
exported and hands back the same bytes. The file is a function of the journal of
a closed day only (no timestamps in it), and a closed day's journal never
changes, so the file an auditor reads before the export is the one exported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from billing_site.common.documents import document_bytes, document_store
from billing_site.common.money import ZERO
from billing_site.common.roles import require_perm

from .choices import DayStatus
from .models import BusinessDay, GLExport, JournalEntry

KIND = "ledger.gl_export"
SOURCE = "UB"  # the journal source code the city's GL knows this system by
COLUMNS = [
    "record_type",
    "journal_id",
    "business_date",
    "line",
    "fund",
    "gl_account",
    "gl_account_name",
    "debit",
    "credit",
]


@dataclass(frozen=True)
class GLLine:
    fund: str
    gl_account: str
    name: str
    debit: Decimal
    credit: Decimal


def journal_id(day: BusinessDay) -> str:
    return f"{SOURCE}{day.date:%Y%m%d}"


def day_lines(day: BusinessDay) -> list[GLLine]:
    """The day's entries summed per GL account (one query): debits and credits apart."""
    rows = (
        JournalEntry.objects.filter(transaction__business_date=day.date)
        .values("gl_account__fund__code", "gl_account__code", "gl_account__name")
        .annotate(
            debit=Sum("amount", filter=Q(amount__gt=0), default=ZERO),
            credit=Sum("amount", filter=Q(amount__lt=0), default=ZERO),
        )
        .order_by("gl_account__fund__code", "gl_account__code")
    )
    return [
        GLLine(
            fund=r["gl_account__fund__code"],
            gl_account=r["gl_account__code"],
            name=r["gl_account__name"],
            debit=r["debit"],
            credit=-r["credit"],
        )
        for r in rows
    ]


def gl_file(day: BusinessDay, lines: list[GLLine]) -> bytes:
    """The interface file's bytes; refused unless debits equal credits."""
    debits = sum((ln.debit for ln in lines), ZERO)
    credits = sum((ln.credit for ln in lines), ZERO)
    if debits != credits:
        raise ValidationError(
            f"The journal of {day.date} does not balance (debits {debits}, credits {credits})."
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    jid, when = journal_id(day), day.date.isoformat()
    for number, ln in enumerate(lines, start=1):
        row = ["D", jid, when, number, ln.fund, ln.gl_account, ln.name]
        writer.writerow([*row, f"{ln.debit:.2f}", f"{ln.credit:.2f}"])
    writer.writerow(
        ["T", jid, when, len(lines), "", "", "CONTROL TOTAL", f"{debits:.2f}", f"{credits:.2f}"]
    )
    return out.getvalue().encode("utf-8")


def closed_days(limit: int = 120) -> QuerySet[BusinessDay]:
    """Closed business days, newest first, each with its export (if any) in the same query."""
    return (
        BusinessDay.objects.filter(status=DayStatus.CLOSED)
        .select_related("gl_export", "gl_export__exported_by", "closed_by")
        .order_by("-date")[:limit]
    )


def day_file(day: BusinessDay) -> tuple[bytes, GLExport | None]:
    """The day's file: the stored bytes once exported, else laid out now (changes nothing)."""
    export = GLExport.objects.filter(business_day=day).select_related("document").first()
    if export is not None:
        return document_bytes(export.document), export
    return gl_file(day, day_lines(day)), None


def file_name(day: BusinessDay) -> str:
    return f"gl-journal-{day.date:%Y%m%d}.csv"


@transaction.atomic
def gl_export_day(*, day: BusinessDay, acting_user: User) -> tuple[GLExport, bool]:
    """Export a closed day's file: (the export, True); already exported: (it, False)."""
    require_perm(acting_user, "ledger.export_gl")
    locked = BusinessDay.objects.select_for_update().get(pk=day.pk)
    if locked.status != DayStatus.CLOSED:
        raise ValidationError(f"{locked.date} is still open: export it after the closeout.")
    found = GLExport.objects.filter(business_day=locked).select_related("exported_by").first()
    if found is not None:
        return found, False
    lines = day_lines(locked)
    data = gl_file(locked, lines)
    document = document_store(
        kind=KIND, subject=locked, data=data, acting_user=acting_user, content_type="text/csv"
    )
    export = GLExport.objects.create(
        business_day=locked,
        document=document,
        line_count=len(lines),
        control_total=sum((ln.debit for ln in lines), ZERO),
        exported_by=acting_user,
    )
    return export, True
