"""Read imports as long tasks: ``read_import_start`` refuses a bad file whole (with line
numbers) or stores its lines and starts the task; each chunk (1,000 lines in line order)
checks its reads together, stores the good ones and queues the rest as exceptions.
A read already stored (same meter, date, reading and code, from this file or another)
is skipped, so importing the same file twice stores nothing twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_site.common.cards import refuse_card_numbers
from billing_site.common.models import LongTask
from billing_site.common.roles import require_perm
from billing_site.common.tasks import ChunkResult, long_task_for, run_long_task, start_long_task

from ..choices import ImportFormat, ImportStatus
from ..models import MeterRead, ReadException, ReadImport, ReadImportRow
from ..readfiles import ParsedRead, ReadFileRefused, parse_csv, parse_route_file
from .reads import Proposed, ReadChecker, bulk_store, copy_rows, read_key, sort_out

READ_IMPORT_TASK = "billing.read_import"
IMPORT = "billing.import_reads"
CHUNK = 1000
ROW_COLUMNS = ("read_import_id", "line", "meter_number", "account_number", "read_date", "reading",
               "read_code")  # fmt: skip
PARSERS: dict[str, Callable[..., list[ParsedRead]]] = {
    ImportFormat.CSV: parse_csv,
    ImportFormat.ROUTE: parse_route_file,
}


@transaction.atomic
def read_import_start(
    *, file_name: str, data: bytes, format: str, acting_user: User
) -> tuple[ReadImport, bool]:
    """Store the file's lines and start its task; (the import, False) when this very
    file was imported before (nothing is stored again)."""
    require_perm(acting_user, IMPORT)
    refuse_card_numbers(file=file_name)  # the lines are checked by the parsers
    digest = hashlib.sha256(data).hexdigest()
    earlier = ReadImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        return earlier, False
    if format not in PARSERS:
        raise ValidationError({"format": "Choose the file's format."})
    try:
        parsed = PARSERS[format](data, today=timezone.localdate())
    except ReadFileRefused as refused:
        raise ValidationError({"file": refused.problems}) from None
    read_import = ReadImport.objects.create(
        file_name=file_name[:200], sha256=digest, format=format, rows=len(parsed),
        uploaded_by=acting_user,
    )  # fmt: skip
    copy_rows(
        ReadImportRow._meta.db_table,
        ROW_COLUMNS,
        (
            (read_import.pk, p.line, p.meter_number, p.account_number, p.read_date, p.reading,
             p.read_code)
            for p in parsed
        ),
    )  # fmt: skip
    start_long_task(
        kind=READ_IMPORT_TASK,
        subject=read_import,
        total=len(parsed),
        chunk_size=CHUNK,
        label=f"Read import {read_import.pk}: {file_name}"[:200],
        view_permission="billing.view_readimport",
        acting_user=acting_user,
    )
    return read_import, True


def read_import_task(read_import: ReadImport) -> LongTask | None:
    return long_task_for(kind=READ_IMPORT_TASK, subject=read_import)


def read_import_run(*, read_import: ReadImport, acting_user: User | None = None) -> ReadImport:
    """Run the import's remaining chunks here (the task calls this; so can a retry)."""
    task = read_import_task(read_import)
    if task is not None:
        run_long_task(task=task, acting_user=acting_user)
    return ReadImport.objects.get(pk=read_import.pk)


def read_import_chunk(*, task: LongTask, number: int, acting_user: User) -> ChunkResult:
    """Chunk ``number``: lines number*size.. in line order, checked and stored together."""
    require_perm(acting_user, IMPORT)
    read_import = ReadImport.objects.select_for_update().get(pk=int(task.subject_id))
    rows = list(
        ReadImportRow.objects.filter(read_import=read_import)
        .order_by("line")
        .values_list(*ROW_COLUMNS[1:])[number * task.chunk_size : (number + 1) * task.chunk_size]
    )
    proposed = [_proposed(read_import.pk, *row) for row in rows]
    keys = [p.key for p in proposed]
    seen = set(MeterRead.objects.filter(import_key__in=keys).values_list("import_key", flat=True))
    seen |= set(
        ReadException.objects.filter(import_key__in=keys).values_list("import_key", flat=True)
    )
    fresh = [p for p in proposed if p.key not in seen]
    reads, failed = sort_out(ReadChecker(fresh), fresh, acting_user, read_import=read_import)
    bulk_store(reads, failed)
    read_import.stored += len(reads)
    read_import.exceptions += len(failed)
    read_import.duplicates += len(proposed) - len(fresh)
    read_import.save(update_fields=["stored", "exceptions", "duplicates"])
    return ChunkResult(done=len(rows))


def read_import_finish(*, task: LongTask, acting_user: User) -> None:
    read_import = ReadImport.objects.select_for_update().get(pk=int(task.subject_id))
    read_import.status = ImportStatus.DONE
    read_import.save(update_fields=["status"])
    ReadImportRow.objects.filter(read_import=read_import).delete()  # the reads hold them now


def _proposed(
    import_pk: int,
    line: int,
    meter: str,
    account: str,
    read_date: date,
    reading: Decimal,
    code: str,
) -> Proposed:
    return Proposed(
        meter_number=meter,
        read_date=read_date,
        reading=reading,
        read_code=code,
        account_number=account,
        source=f"import {import_pk} line {line}",
        line=line,
        key=read_key(meter, read_date, reading, code),
    )
