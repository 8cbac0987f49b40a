"""Stored documents: a generated PDF is kept once, with its SHA-256, and reprinted as stored.

- ``document_render_and_store`` renders a template (outside any transaction, see
  ``billing_site.common.pdf``) unless the document is already stored, then
  stores it: the bytes under ``MEDIA_ROOT/documents/<first two hex>/<sha256>.pdf``
  (the name is the checksum, so a file is never overwritten with other bytes),
  the row in a short transaction of its own. Two people printing the same new
  document at once end with one row; the second gets the first's bytes.
- ``document_reprint`` returns the stored bytes, byte-identical, after checking
  them against the checksum (``DocumentDamaged`` if the file changed), and counts
  the copy. Kinds whose copies must say COPY (receipts) render the copy afresh
  and call ``document_copy_counted`` on the stored original instead.
- ``document_render_and_store_many`` does the same for a batch (bills, notices),
  laying the missing ones out with ``render_many``, one process per core, each
  stored as soon as it is laid out (a killed batch keeps what it finished).

Storage is Django's default storage: with several app servers and workers,
MEDIA_ROOT must be shared (or STORAGES["default"] an object store).
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.http import FileResponse
from django.utils import timezone

from .models import Document
from .pdf import PdfJob, render_job, render_many_iter


class DocumentDamaged(Exception):
    """A stored document's bytes no longer match its checksum."""


@dataclass(frozen=True)
class DocumentRequest:
    """One document of a batch: what it is about and how to render it."""

    subject: models.Model
    job: PdfJob
    variant: str = ""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_document(*, kind: str, subject: models.Model, variant: str = "") -> Document | None:
    return Document.objects.filter(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        variant=variant,
    ).first()


def stored_documents(*, kind: str, requests: Sequence[DocumentRequest]) -> list[Document | None]:
    """``stored_document`` of each request, in order, in one query per subject model."""
    keys = [
        (ContentType.objects.get_for_model(r.subject).pk, r.variant, str(r.subject.pk))
        for r in requests
    ]
    wanted: dict[tuple[int, str], list[str]] = defaultdict(list)
    for type_id, variant, subject_id in keys:
        wanted[(type_id, variant)].append(subject_id)
    stored: dict[tuple[int, str, str], Document] = {}
    for (type_id, variant), ids in wanted.items():
        for document in Document.objects.filter(
            kind=kind, subject_type_id=type_id, variant=variant, subject_id__in=ids
        ):
            stored[(type_id, variant, document.subject_id)] = document
    return [stored.get(key) for key in keys]


def document_bytes(document: Document) -> bytes:
    """The stored bytes, checked against the checksum recorded when they were stored."""
    with default_storage.open(document.file.name or "", "rb") as handle:
        data = handle.read()
    _refuse_changed(document, sha256(data))
    return data


def _refuse_changed(document: Document, digest: str) -> None:
    if digest != document.sha256:
        raise DocumentDamaged(
            f"The stored {document.kind} {document.subject_id} does not match its checksum."
        )


CHUNK = 1 << 20  # a megabyte: what is read of a stored file at a time


def document_verified(document: Document, handle: IO[bytes] | None = None) -> None:
    """Check the stored file (or ``handle``, read from where it is and left at its start)
    against its checksum, a megabyte at a time (a combined PDF of a whole cycle does not
    fit in memory); ``DocumentDamaged`` if it changed."""
    if handle is None:
        with default_storage.open(document.file.name or "", "rb") as own:
            return document_verified(document, own)
    digest = hashlib.sha256()
    while piece := handle.read(CHUNK):
        digest.update(piece)
    handle.seek(0)
    _refuse_changed(document, digest.hexdigest())
    return None


def document_download(
    document: Document, filename: str, *, inline: bool = False, content_type: str = ""
) -> FileResponse:
    """The stored file as a download, checked and then sent in pieces through the same
    open file (what is sent is what was checked): memory stays flat however big the file
    is (the print shop's combined PDF, a mailing export)."""
    handle = default_storage.open(document.file.name or "", "rb")
    try:
        document_verified(document, handle)
    except BaseException:
        handle.close()
        raise
    return FileResponse(
        handle,
        content_type=content_type or document.content_type,
        as_attachment=not inline,
        filename=filename,
    )


def document_store(
    *,
    kind: str,
    subject: models.Model,
    data: bytes,
    acting_user: User,
    variant: str = "",
    content_type: str = "application/pdf",
) -> Document:
    """Keep ``data`` as the document of (kind, subject, variant); the first stored one wins."""
    return document_store_file(
        kind=kind, subject=subject, file=ContentFile(data), digest=sha256(data),
        size=len(data), acting_user=acting_user, variant=variant, content_type=content_type,
    )  # fmt: skip


def document_store_file(
    *,
    kind: str,
    subject: models.Model,
    file: IO[bytes] | File,
    digest: str,
    size: int,
    acting_user: User,
    variant: str = "",
    content_type: str = "application/pdf",
) -> Document:
    """``document_store`` for bytes already in a file (``digest``: their SHA-256), copied
    to the storage in pieces: a document too big to hold in memory (a combined PDF)."""
    extension = mimetypes.guess_extension(content_type) or ".bin"
    name = f"documents/{digest[:2]}/{digest}{extension}"
    if not default_storage.exists(name):
        name = default_storage.save(name, file if isinstance(file, File) else File(file))
    try:
        with transaction.atomic():
            return Document.objects.create(
                kind=kind,
                subject_type=ContentType.objects.get_for_model(subject),
                subject_id=str(subject.pk),
                variant=variant,
                sha256=digest,
                size=size,
                file=name,
                content_type=content_type,
                created_by=acting_user,
            )
    except IntegrityError:  # stored meanwhile by someone else: theirs is the document
        found = stored_document(kind=kind, subject=subject, variant=variant)
        if found is None:
            raise
        return found


def document_render_and_store(
    *,
    kind: str,
    subject: models.Model,
    job: PdfJob,
    acting_user: User,
    variant: str = "",
) -> Document:
    """The stored document, rendered and stored first if there is none yet."""
    found = stored_document(kind=kind, subject=subject, variant=variant)
    if found is not None:
        return found
    data = render_job(job)
    return document_store(
        kind=kind, subject=subject, variant=variant, data=data, acting_user=acting_user
    )


def document_render_and_store_many(
    *, kind: str, requests: Sequence[DocumentRequest], acting_user: User
) -> list[Document]:
    """Every request's document, in order; the ones not stored yet rendered in parallel."""
    found: list[Document | None] = stored_documents(kind=kind, requests=requests)
    missing = [i for i, doc in enumerate(found) if doc is None]
    rendered = render_many_iter([requests[i].job for i in missing])
    for i, data in zip(missing, rendered, strict=True):  # each stored as soon as it is laid out
        r = requests[i]
        found[i] = document_store(
            kind=kind, subject=r.subject, variant=r.variant, data=data, acting_user=acting_user
        )
    return [doc for doc in found if doc is not None]


@transaction.atomic
def document_copy_counted(*, document: Document, acting_user: User) -> None:
    """Count one more copy of ``document`` printed (by ``acting_user``, now)."""
    Document.objects.filter(pk=document.pk).update(
        copies_printed=F("copies_printed") + 1,
        last_copy_at=timezone.now(),
        last_copy_by=acting_user,
    )


def document_reprint(*, document: Document, acting_user: User) -> bytes:
    """The stored bytes again (byte-identical), counted as a copy."""
    data = document_bytes(document)
    document_copy_counted(document=document, acting_user=acting_user)
    return data
