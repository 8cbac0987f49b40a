"""Stored documents, rendering outside transactions, batch rendering, shipped fonts."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from billing_site.common import documents, pdf
from billing_site.common.documents import DocumentDamaged, DocumentRequest
from billing_site.common.models import Document
from billing_site.common.pdf import PdfJob, RenderInTransaction
from payments import documents as payment_documents
from tests.payments.helpers import open_drawer, pay

SLIP = "payments/pdf/deposit_slip.html"
SLIP_CSS = "payments/pdf/report.css"


def text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    return {
        str(font["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }


def slip_context(n: int) -> dict[str, object]:
    """A listing naming the process that laid it out (the builder runs in the worker)."""
    return {"deposit": None, "blocks": [f"job {n} pid {os.getpid()}"], "heading": "", "count": 1}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_stores_a_receipts_original_and_prints_later_copies_marked_copy(
    alice, erin, account, business_day
) -> None:
    payment = pay(alice, open_drawer(alice), account, "12.34")
    url = reverse("payments:receipt_pdf", args=[payment.pk])
    preview = _client(alice).get(url)  # a GET previews: nothing stored, nothing counted
    assert "PREVIEW" in text(preview.content) and not Document.objects.exists()
    first = _client(alice).post(url)  # the clerk's Print: the original, stored
    assert first["Content-Type"] == "application/pdf"
    assert (
        first["Content-Disposition"]
        == f'inline; filename="receipt-{payment.receipt_label}-letter.pdf"'
    )
    stored = Document.objects.get(kind="payments.receipt", subject_id=str(payment.pk))
    assert (stored.variant, stored.created_by, stored.copies_printed) == ("letter", alice, 0)
    assert stored.sha256 == documents.sha256(first.content) and stored.size == len(first.content)
    assert documents.document_bytes(stored) == first.content
    assert stored.file.name.startswith(f"documents/{stored.sha256[:2]}/")
    assert payment.receipt_label in text(first.content) and "COPY" not in text(first.content)

    again = _client(alice).post(url)
    assert "COPY" in text(again.content) and payment.receipt_label in text(again.content)
    _client(erin).post(url)  # an auditor's print is a copy too
    stored.refresh_from_db()
    assert (stored.copies_printed, stored.last_copy_by) == (2, erin)
    assert Document.objects.count() == 1
    assert documents.document_bytes(stored) == first.content  # the original is unchanged


def test_it_refuses_a_receipt_to_a_field_technician_and_stores_nothing(
    alice, dave, account, business_day
) -> None:
    payment = pay(alice, open_drawer(alice), account, "5.00")
    response = _client(dave).get(reverse("payments:receipt_pdf", args=[payment.pk]))
    assert response.status_code == 403 and not Document.objects.exists()


def test_it_reprints_a_stored_document_byte_identical_and_counts_the_copy(bob, carol) -> None:
    job = PdfJob(SLIP, slip_context(1), stylesheet=SLIP_CSS)
    stored = documents.document_render_and_store(
        kind="tests.slip", subject=bob, job=job, acting_user=bob
    )
    original = documents.document_bytes(stored)
    assert documents.document_reprint(document=stored, acting_user=carol) == original
    again = documents.document_render_and_store(
        kind="tests.slip", subject=bob, job=PdfJob(SLIP, slip_context(2)), acting_user=carol
    )
    assert again.pk == stored.pk  # stored once: a second render is not a new document
    stored.refresh_from_db()
    assert stored.copies_printed == 1 and stored.last_copy_by == carol


def test_it_notices_a_stored_document_that_changed(bob) -> None:
    stored = documents.document_store(
        kind="tests.doc", subject=bob, data=b"%PDF-1", acting_user=bob
    )
    with default_storage.open(stored.file.name, "wb") as handle:
        handle.write(b"%PDF-2")
    with pytest.raises(DocumentDamaged, match="does not match its checksum"):
        documents.document_bytes(stored)


def test_it_sends_a_big_stored_file_in_pieces_after_checking_it(bob) -> None:
    data = os.urandom(3 * documents.CHUNK + 17)  # a combined PDF bigger than one read
    stored = documents.document_store(
        kind="tests.big", subject=bob, data=data, acting_user=bob, content_type="text/csv"
    )
    response = documents.document_download(stored, 'run "7".csv', content_type="text/csv")
    pieces = list(response.streaming_content)
    assert len(pieces) > 1 and b"".join(pieces) == data  # streamed, never held whole
    assert response["Content-Type"] == "text/csv" and response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"].startswith("attachment;")
    response.close()
    with default_storage.open(stored.file.name, "wb") as handle:
        handle.write(data[:-1] + b"x")
    with pytest.raises(DocumentDamaged, match="does not match its checksum"):
        documents.document_download(stored, "run.csv")


def test_it_keeps_the_first_of_two_stores_of_one_document(bob, carol) -> None:
    first = documents.document_store(kind="tests.doc", subject=bob, data=b"one", acting_user=bob)
    second = documents.document_store(kind="tests.doc", subject=bob, data=b"two", acting_user=carol)
    assert second.pk == first.pk and documents.document_bytes(second) == b"one"


def test_it_refuses_to_render_inside_a_transaction(db) -> None:
    with (
        pytest.raises(RenderInTransaction, match="after the transaction commits"),
        transaction.atomic(),
    ):
        pdf.render_pdf(SLIP, slip_context(1), stylesheet=SLIP_CSS)
    with pytest.raises(RenderInTransaction), transaction.atomic():
        pdf.render_many([PdfJob(SLIP, slip_context(1))] * 2)
    assert pdf.render_pdf(SLIP, slip_context(1)).startswith(b"%PDF-")


def test_it_embeds_the_fonts_shipped_in_static(db, monkeypatch) -> None:
    fetched: list[str] = []
    real = pdf.StaticOnlyFetcher.fetch

    def spy(self, url: str, headers: object = None):
        fetched.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    pdf._fonts.__dict__.clear()  # load the fonts afresh, as a new process would
    data = pdf.render_pdf(SLIP, slip_context(1), stylesheet=SLIP_CSS)
    assert f"{pdf.ORIGIN}/static/fonts/fonts.css" in fetched
    assert f"{pdf.ORIGIN}/static/fonts/DejaVuSans.ttf" in fetched
    assert f"{pdf.ORIGIN}/static/fonts/DejaVuSansMono.ttf" in fetched
    # Named after fonts.css's families: the shipped files, not the machine's DejaVu.
    assert {"Billing-Sans", "Billing-Mono"} <= fonts(data)
    assert all(name.startswith("Billing-") for name in fonts(data))


def test_it_answers_with_one_pdf_response() -> None:
    response = pdf.pdf_response(b"%PDF-1.7", 'report "x"\r\n.pdf', inline=False)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report x.pdf"'


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_renders_a_batch_in_one_worker_process_per_core() -> None:
    jobs = [
        PdfJob(SLIP, {"n": n}, stylesheet=SLIP_CSS, context_builder=f"{__name__}.slip_context")
        for n in range(8)
    ]
    rendered = pdf.render_many(jobs)
    texts = [text(data) for data in rendered]
    assert [f"job {n} pid" in t for n, t in enumerate(texts)] == [True] * 8
    pids = {t.split(" pid ")[1].split()[0] for t in texts}
    pool = pdf._pool_state["pool"]
    workers = {str(pid) for pid in pool._processes}
    assert len(workers) == (os.cpu_count() or 1) and pids <= workers
    assert str(os.getpid()) not in pids
    again = pdf.render_many(jobs[:2])  # the next batch reuses the same workers
    assert pdf._pool_state["pool"] is pool and len(again) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_stores_a_batch_of_receipts_rendered_in_parallel(
    alice, account, business_day, monkeypatch
) -> None:
    drawer = open_drawer(alice)
    payments = [pay(alice, drawer, account, f"{n}.00") for n in (1, 2, 3, 4)]
    requests = [
        DocumentRequest(p, payment_documents.receipt_job(p, size="letter", copy=False), "letter")
        for p in payments
    ]
    stored = documents.document_render_and_store_many(
        kind="payments.receipt", requests=requests, acting_user=alice
    )
    for payment, document in zip(payments, stored, strict=True):
        body = text(documents.document_bytes(document))
        assert payment.receipt_label in body and f"${payment.total.amount}" in body
    # nothing is laid out again (the batch lays out through render_many_iter)
    monkeypatch.setattr(documents, "render_many_iter", lambda jobs: iter([]) if not jobs else 1 / 0)
    again = documents.document_render_and_store_many(
        kind="payments.receipt", requests=requests, acting_user=alice
    )
    assert [d.pk for d in again] == [d.pk for d in stored]
