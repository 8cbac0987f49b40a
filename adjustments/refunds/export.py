"""The accounts-payable export: approved refunds handed to finance to cut the cheques.

The layout is ``docs/refunds.md``. An export takes every approved refund not yet
exported, in refund-number order, stores the file once (``common.Document`` with
its SHA-256) and marks each refund with the export (a history row each). A second
export with nothing new says so and points at the last file; downloading an
export is always its stored bytes, so finance gets the same file again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money
from simple_history.utils import bulk_update_with_history

from billing_site.common.csvutil import cell
from billing_site.common.documents import document_bytes, document_store
from billing_site.common.money import CURRENCY, ZERO
from billing_site.common.numbering import next_number
from billing_site.common.roles import require_perm

from ..choices import RefundStatus
from ..models import Refund, RefundExport

KIND = "adjustments.refund_export"
REFUNDS_PAYABLE_GL = "999-2300"
COLUMNS = [
    "record_type",
    "export_number",
    "refund_number",
    "payee_name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip",
    "amount",
    "account_number",
    "source",
    "approved_business_date",
    "ledger_transaction",
    "gl_account",
    "memo",
]


def ap_file(number: int, refunds: Sequence[Refund]) -> bytes:
    """The file's bytes: a column line, one D line per refund, a T line with the control total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    total = ZERO
    for r in refunds:
        total += r.amount.amount
        posting = r.posting
        assert posting is not None
        row = ["D", number, r.label, r.payee_name, r.payee_line1, r.payee_line2, r.payee_city]
        row += [r.payee_state, r.payee_zip, r.amount.amount, r.account.number, r.source]
        row += [posting.business_date, posting.pk, REFUNDS_PAYABLE_GL, r.memo]
        writer.writerow([cell(v) for v in row])
    writer.writerow(["T", number, len(refunds), f"{total:.2f}"])
    return out.getvalue().encode("utf-8")


@transaction.atomic
def refunds_export(*, acting_user: User) -> tuple[RefundExport | None, bool]:
    """Export every approved refund not exported yet: (the export, True).

    With nothing new: (the last export or None, False), and nothing is written.
    """
    require_perm(acting_user, "adjustments.export_refunds")
    todo = list(
        Refund.objects.select_for_update(of=("self",))
        .select_related("account", "posting")
        .filter(status=RefundStatus.APPROVED, export__isnull=True)
        .order_by("number")
    )
    if not todo:
        return RefundExport.objects.order_by("-number").first(), False
    total = sum((r.amount.amount for r in todo), ZERO)
    export = RefundExport.objects.create(
        number=next_number("refund_export"),
        created_by=acting_user,
        created_at=timezone.now(),
        refund_count=len(todo),
        total=Money(total, CURRENCY),
    )
    data = ap_file(export.number, todo)
    export.document = document_store(
        kind=KIND, subject=export, data=data, acting_user=acting_user, content_type="text/csv"
    )
    export.save(update_fields=["document"])
    for refund in todo:
        refund.export = export
    bulk_update_with_history(
        todo,
        Refund,
        ["export"],
        default_user=acting_user,
        default_change_reason=f"Exported to accounts payable in {export}",
    )
    return export, True


def export_bytes(export: RefundExport) -> bytes:
    """The stored file, checked against its checksum: byte-identical every time."""
    assert export.document is not None
    return document_bytes(export.document)


def export_total(refunds: Sequence[Refund]) -> Decimal:
    return sum((r.amount.amount for r in refunds), ZERO)
