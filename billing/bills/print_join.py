"""The print shop's combined PDF, joined chunk by chunk instead of in one go.

A 10,000-bill cycle makes a combined PDF of some 400 MB; joining it in one step
(``PdfWriter.append`` of every bill, then ``write``) holds all of it in memory at the
end of the task. Instead each Print chunk writes a *part* and the finish only streams
the parts into one file:

* **A part** (``part_bytes``) is the chunk's posted bills' PDF objects as plain PDF
  body text (``N 0 obj ... endobj``), renumbered to follow the previous part's (numbers
  1 and 2 are the combined file's catalogue and page tree, written last); each page's
  ``/Parent`` points at object 2. It opens with one comment line, ``%bill-run-part``
  and JSON: the part's first and next object numbers, where each object starts in
  the body, and each bill's page objects. A part is stored as a document of the run
  (kind ``billing.bill_run_print_part``, variant the chunk number) inside the chunk's
  own transaction (``ensure_part``), so it is committed with the chunk's record or not
  at all: a worker killed mid-chunk leaves nothing of that chunk, the next one builds
  it once, and chunks done before are never read again except for the previous
  part's header line (its next object number).
* **The join** (``join_parts``) copies each part's body, one part in memory at a time,
  into a file, then writes the catalogue, the page tree (every bill's pages in bill
  order), the cross-reference table and the trailer. Each bill's first page and page
  count come from the part headers, so the export file's page ranges are exactly
  where the pages were put.

The parts are removed once the combined PDF is stored (they hold the same bytes).
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    PdfObject,
    StreamObject,
)

CATALOG, PAGES, FIRST_OBJECT = 1, 2, 3
MAGIC = b"%bill-run-part "
PDF_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@dataclass(frozen=True)
class PartIndex:
    """What a part's header line says (see the module docstring)."""

    first_object: int
    next_object: int
    offsets: list[int]  # where objects first_object.. start, within the body
    bills: list[tuple[int, list[int]]]  # bill pk, its page objects in order

    def header(self) -> bytes:
        data = {
            "first": self.first_object,
            "next": self.next_object,
            "offsets": self.offsets,
            "bills": self.bills,
        }
        return MAGIC + json.dumps(data, separators=(",", ":")).encode() + b"\n"


def read_part(data: bytes) -> tuple[PartIndex, memoryview]:
    """A part's index and its body."""
    end = data.index(b"\n")
    if not data.startswith(MAGIC):
        raise ValueError("Not a part of a combined bill PDF.")
    raw = json.loads(data[len(MAGIC) : end])
    index = PartIndex(
        first_object=raw["first"],
        next_object=raw["next"],
        offsets=raw["offsets"],
        bills=[(int(pk), list(pages)) for pk, pages in raw["bills"]],
    )
    return index, memoryview(data)[end + 1 :]


def part_bytes(*, pdfs: Iterable[tuple[int, bytes]], first_object: int) -> bytes:
    """The part made of these bills' PDFs (bill pk, bytes), objects from ``first_object``."""
    body = io.BytesIO()
    offsets: list[int] = []
    bills: list[tuple[int, list[int]]] = []
    following = first_object
    for bill_pk, data in pdfs:
        bill = _Renumbering(PdfReader(io.BytesIO(data)), following)
        # reader.pages carries the attributes a page inherits from its tree
        pages = [bill.number(p.indirect_reference, p) for p in bill.reader.pages]
        while bill.queue:
            new, obj = bill.queue.popleft()
            offsets.append(body.tell())
            body.write(b"%d 0 obj\n" % new)
            _renumbered(obj, bill.number).write_to_stream(body)
            body.write(b"\nendobj\n")
        bills.append((bill_pk, pages))
        following = bill.following
    index = PartIndex(first_object, following, offsets, bills)
    return index.header() + body.getvalue()


class _Renumbering:
    """One bill's objects, numbered in the order they are met (and written)."""

    def __init__(self, reader: PdfReader, following: int) -> None:
        self.reader, self.following = reader, following
        self.numbers: dict[tuple[int, int], int] = {}
        self.queue: deque[tuple[int, PdfObject]] = deque()

    def number(self, ref: IndirectObject | None, obj: PdfObject | None = None) -> int:
        assert ref is not None
        key = (ref.idnum, ref.generation)
        if key not in self.numbers:
            self.numbers[key], self.following = self.following, self.following + 1
            found = obj if obj is not None else ref.get_object()
            assert found is not None
            self.queue.append((self.numbers[key], found))
        return self.numbers[key]


def _renumbered(obj: Any, number: Callable[[IndirectObject], int]) -> Any:
    """A copy of ``obj`` whose references use the combined file's object numbers."""
    if isinstance(obj, IndirectObject):
        return IndirectObject(number(obj), 0, None)
    if isinstance(obj, StreamObject):
        stream: StreamObject
        if isinstance(obj, EncodedStreamObject):
            stream = EncodedStreamObject()
            stream._data = obj._data  # still encoded: copied as it is
        else:
            stream = DecodedStreamObject()
            stream.set_data(obj.get_data())
        for key, value in obj.items():
            if key != "/Length":  # written afresh from the data
                stream[key] = _renumbered(value, number)
        return stream
    if isinstance(obj, DictionaryObject):
        copied = DictionaryObject()
        for key, value in obj.items():
            if key == "/Parent" and _is_page_tree(value):
                copied[key] = IndirectObject(PAGES, 0, None)
            else:
                copied[key] = _renumbered(value, number)
        return copied
    if isinstance(obj, ArrayObject):
        return ArrayObject(_renumbered(value, number) for value in obj)
    return obj


def _is_page_tree(value: Any) -> bool:
    target = value.get_object() if isinstance(value, IndirectObject) else value
    return isinstance(target, DictionaryObject) and target.get("/Type") == "/Pages"


@dataclass
class Joined:
    """The combined PDF written to ``file`` (at its start), with what the export needs."""

    file: IO[bytes]
    sha256: str
    size: int
    pages: dict[int, tuple[int, int]]  # bill pk -> first page (1-based), pages


class _Out:
    """A file that counts and hashes what is written to it."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file, self.digest, self.size = file, hashlib.sha256(), 0

    def write(self, data: bytes | memoryview) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.size += len(data)


def join_parts(parts: Iterable[bytes]) -> Joined:
    """Stream the parts, in order, into one PDF (a temporary file; the caller closes it)."""
    out = _Out(tempfile.TemporaryFile())  # noqa: SIM115 (returned open to the caller)
    out.write(PDF_HEADER)
    offsets: list[int] = []
    kids: list[int] = []
    pages: dict[int, tuple[int, int]] = {}
    following = FIRST_OBJECT
    for data in parts:
        index, body = read_part(data)
        if index.first_object != following:
            raise ValueError("The parts of the combined PDF do not follow each other.")
        offsets += [out.size + offset for offset in index.offsets]
        out.write(body)
        for bill_pk, bill_pages in index.bills:
            pages[bill_pk] = (len(kids) + 1, len(bill_pages))
            kids += bill_pages
        following = index.next_object
    _write_tail(out, offsets, kids)
    out.file.seek(0)
    return Joined(out.file, out.digest.hexdigest(), out.size, pages)


def _write_tail(out: _Out, offsets: list[int], kids: list[int]) -> None:
    """The catalogue, the page tree, the cross-reference table and the trailer."""
    where = {CATALOG: out.size}
    out.write(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
    where[PAGES] = out.size
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    out.write(b"2 0 obj\n<< /Type /Pages /Count %d /Kids [%s] >>\nendobj\n" % (len(kids), refs))
    xref_at = out.size
    size = FIRST_OBJECT + len(offsets)
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out.write(b"%010d 00000 n \n%010d 00000 n \n" % (where[CATALOG], where[PAGES]))
    for chunk_start in range(0, len(offsets), 10_000):  # in slices: no 5 MB string at once
        out.write(
            b"".join(b"%010d 00000 n \n" % o for o in offsets[chunk_start : chunk_start + 10_000])
        )
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref_at))
