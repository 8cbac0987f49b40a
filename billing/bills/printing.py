"""Stage 4 of a bill run, *Print*: every posted bill's PDF, a combined PDF for the print
shop and the bill-print export file for a mailing vendor.

* ``bill_run_print`` (coordinator or supervisor, a posted run) starts a long task
  (``billing_site.common.tasks``). Chunk *n* is the run's numbered bills (posted or
  cancelled since) *n*·``PRINT_CHUNK``.. in primary-key order: a set that does not
  change while printing (a rebill is a new, later bill), so chunk boundaries hold
  across a restart.
* Each chunk's *prepare* step, outside any transaction (WeasyPrint refuses to run in
  one), lays out the chunk's posted bills that have no stored PDF yet with
  ``render_many`` (worker processes, one per core) and stores each PDF as a document
  as soon as it is laid out (``billing.bill_pdf.bill_documents``). The chunk itself
  (the runner's transaction) checks that every posted bill of it has its document and
  records the chunk. A worker killed mid-chunk leaves the documents it finished; the
  next worker renders only the others, so no bill is laid out twice and a reprint is
  always the stored bytes. A bill cancelled after posting is not printed (an item
  error says so).
* The chunk also joins its bills' PDFs into the chunk's *part* of the print shop's
  combined PDF (``billing.bills.print_join``), stored in the chunk's transaction: the
  combined PDF grows chunk by chunk, each part made once, and the task's progress
  covers the joining too.
* When the last chunk is done, ``bill_run_print_finish`` streams the parts, in bill
  order, into one PDF for the print shop (one part in memory at a time) and writes the
  export CSV (``billing.bills.print_export``) with each bill's pages in that PDF; both
  are stored documents of the run, downloadable from the run's page. The run records
  who printed it and when.

A printed run is not printed again (its documents are what the print shop gets). A
failed or stuck print is retried from where it stopped by starting it again.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from billing_site.common.documents import (
    document_bytes,
    document_store,
    document_store_file,
    stored_document,
)
from billing_site.common.models import Document, LongTask, LongTaskStatus
from billing_site.common.roles import require_perm
from billing_site.common.tasks import ChunkResult, ItemError, long_task_for, start_long_task

from ..bill_pdf import KIND as BILL_KIND
from ..bill_pdf import bill_documents
from ..choices import BillRunStatus, BillStatus
from ..models import Bill, BillRun
from . import print_export, print_join

PRINT = "billing.post_billrun"  # the roles that post a run print it
PRINT_TASK = "billing.bill_run_print"
PRINT_CHUNK = 40  # a few seconds of rendering on two cores: well within the lease
COMBINED_KIND = "billing.bill_run_print"
EXPORT_KIND = "billing.bill_run_export"
PART_KIND = "billing.bill_run_print_part"  # a chunk's part of the combined PDF


@transaction.atomic
def bill_run_print(*, run: BillRun, acting_user: User) -> LongTask:
    """Start (or, after a failure, resume) printing a posted run."""
    require_perm(acting_user, PRINT)
    locked = BillRun.objects.select_for_update().get(pk=run.pk)
    if locked.status != BillRunStatus.POSTED:
        raise ValidationError(
            f"The run is {locked.get_status_display().lower()}: only a posted run prints."
        )
    task = print_task(locked)
    if task is not None and task.status == LongTaskStatus.DONE:
        raise ValidationError("This run is printed; download its PDF and export file below.")
    if (
        task is not None
        and task.is_active
        and task.shown_status != "stuck"
        and not task.waiting_for_worker
    ):
        raise ValidationError("This run is printing now.")
    if task is None:
        task = start_long_task(
            kind=PRINT_TASK, subject=locked, total=printable(locked).count(),
            chunk_size=PRINT_CHUNK, label=f"Print {locked}"[:200],
            view_permission="billing.view_billrun", acting_user=acting_user,
        )  # fmt: skip
        locked.print_started_by = acting_user
        locked.print_started_at = timezone.now()
        locked.save(update_fields=["print_started_by", "print_started_at"])
    else:  # failed or stuck: carry on from the first chunk not done, as this person
        LongTask.objects.filter(pk=task.pk).update(run_as=acting_user, attempts=0)
    transaction.on_commit(lambda: _enqueue(task.pk))
    return task


def _enqueue(task_pk: int) -> None:
    from ..tasks import bill_run_task

    bill_run_task.enqueue(task_pk)


def print_task(run: BillRun) -> LongTask | None:
    return long_task_for(kind=PRINT_TASK, subject=run)


def printable(run: BillRun) -> QuerySet[Bill]:
    """The bills a Print task covers, in a stable order."""
    return run.bills.filter(status__in=[BillStatus.POSTED, BillStatus.CANCELLED]).order_by("pk")


def _chunk_bills(task: LongTask, number: int) -> list[Bill]:
    run = BillRun.objects.get(pk=int(task.subject_id))
    size = task.chunk_size
    return list(printable(run)[number * size : (number + 1) * size])


def bill_run_print_prepare(*, task: LongTask, number: int, acting_user: User) -> None:
    """Lay out and store the chunk's bills not stored yet (outside any transaction)."""
    require_perm(acting_user, PRINT)
    bills = [b for b in _chunk_bills(task, number) if b.status == BillStatus.POSTED]
    bill_documents(bills=bills, acting_user=acting_user)


def bill_run_print_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Record chunk ``number``: every posted bill of it has its stored PDF."""
    require_perm(acting_user, PRINT)
    bills = _chunk_bills(task, number)
    posted = [b for b in bills if b.status == BillStatus.POSTED]
    stored = set(_bill_documents(posted).values_list("subject_id", flat=True))
    missing = [b.number for b in posted if str(b.pk) not in stored]
    if missing:  # prepare did not finish them: fail, and a retry lays them out
        raise RuntimeError(f"Bills {missing} have no stored PDF yet.")
    ensure_part(task=task, number=number, acting_user=acting_user, bills=posted)
    errors = [
        ItemError(f"bill {b.number}", "Cancelled after posting: not printed.")
        for b in bills
        if b.status == BillStatus.CANCELLED
    ]
    return ChunkResult(done=len(bills), errors=errors)


def _bill_documents(bills: list[Bill]) -> QuerySet[Document]:
    return Document.objects.filter(
        kind=BILL_KIND,
        subject_type=ContentType.objects.get_for_model(Bill),
        subject_id__in=[str(b.pk) for b in bills],
        variant="",
    )


def ensure_part(
    *, task: LongTask, number: int, acting_user: User, bills: list[Bill] | None = None
) -> tuple[int, bytes]:
    """Chunk ``number``'s part of the combined PDF (first object, bytes), made and stored
    now if it is not stored yet (then after the parts before it, made first if missing:
    a print begun before parts existed)."""
    run = BillRun.objects.get(pk=int(task.subject_id))
    found = stored_document(kind=PART_KIND, subject=run, variant=_part_variant(number))
    if found is not None:
        return 0, document_bytes(found)
    first = print_join.FIRST_OBJECT
    if number > 0:
        _first, before = ensure_part(task=task, number=number - 1, acting_user=acting_user)
        first = print_join.read_part(before)[0].next_object
    if bills is None:
        bills = [b for b in _chunk_bills(task, number) if b.status == BillStatus.POSTED]
    documents = {d.subject_id: d for d in _bill_documents(bills)}
    data = print_join.part_bytes(
        pdfs=((b.pk, document_bytes(documents[str(b.pk)])) for b in bills), first_object=first
    )
    document_store(
        kind=PART_KIND, subject=run, variant=_part_variant(number), data=data,
        acting_user=acting_user, content_type="application/octet-stream",
    )  # fmt: skip
    return first, data


def _part_variant(number: int) -> str:
    return f"chunk-{number:06d}"


def bill_run_print_finish(*, task: LongTask, acting_user: User) -> None:
    """The combined PDF (the parts streamed together) and the export file, stored."""
    run = BillRun.objects.select_for_update().get(pk=int(task.subject_id))
    bills = list(printable(run).filter(status=BillStatus.POSTED))
    parts = (
        ensure_part(task=task, number=n, acting_user=acting_user)[1]
        for n in range(task.chunk_count)
    )
    joined = print_join.join_parts(parts)
    with joined.file:
        if stored_document(kind=COMBINED_KIND, subject=run) is None:
            document_store_file(
                kind=COMBINED_KIND, subject=run, file=joined.file, digest=joined.sha256,
                size=joined.size, acting_user=acting_user,
            )  # fmt: skip
    if stored_document(kind=EXPORT_KIND, subject=run) is None:
        document_store(
            kind=EXPORT_KIND, subject=run, acting_user=acting_user, content_type="text/csv",
            data=print_export.export_csv(run=run, bills=bills, pages=joined.pages),
        )  # fmt: skip
    _drop_parts(run)
    run.printed_at = timezone.now()
    run.save(update_fields=["printed_at"])


def _drop_parts(run: BillRun) -> None:
    """The parts hold the combined PDF's bytes again: remove them once it is stored."""
    parts = Document.objects.filter(
        kind=PART_KIND,
        subject_type=ContentType.objects.get_for_model(BillRun),
        subject_id=str(run.pk),
    )
    names = list(parts.values_list("file", flat=True))
    parts.delete()

    def remove_files() -> None:
        kept = set(Document.objects.filter(file__in=names).values_list("file", flat=True))
        for name in set(names) - kept:  # the same bytes may be another run's part too
            default_storage.delete(name)

    transaction.on_commit(remove_files)


def print_documents(run: BillRun) -> tuple[Document | None, Document | None]:
    """The run's combined PDF and export file, once printed."""
    return (
        stored_document(kind=COMBINED_KIND, subject=run),
        stored_document(kind=EXPORT_KIND, subject=run),
    )
