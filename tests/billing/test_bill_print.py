"""Stage 4, Print: a posted run's bills laid out by worker processes and stored once,
the print shop's combined PDF, the mailing vendor's export file; a killed print carries
on where it stopped without laying a bill out twice; who may print."""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from billing.bill_pdf import bill_job
from billing.bills import print_export, printing
from billing.bills.print_export import HEADER
from billing.models import Bill
from billing.scanline import parse_scanline
from billing_site.common import documents as documents_module
from billing_site.common import pdf as pdf_module
from billing_site.common.documents import DocumentRequest
from billing_site.common.models import Document, LongTask

from .bill_helpers import accounts, calculated, posted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _printed(by, run):
    printing.bill_run_print(run=run, acting_user=by)  # the task runs at commit (tests)
    task = printing.print_task(run)
    assert task is not None
    task.refresh_from_db()
    run.refresh_from_db()
    return task


def _csv(run) -> list[dict[str, str]]:
    _combined, export = printing.print_documents(run)
    assert export is not None and export.content_type == "text/csv"
    text = documents_module.document_bytes(export).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_it_prints_a_run_in_worker_processes_with_a_combined_pdf_and_export(
    bob, business_day, django_assert_max_num_queries
):
    made = accounts(bob, 3)
    run = posted(bob, calculated(bob))
    task = _printed(bob, run)
    assert task.status == "done" and task.done == 3
    assert run.printed_at is not None and run.print_started_by == bob
    assert pdf_module._pool_state["key"][0] == (os.cpu_count() or 1)  # one process per core
    bills = list(run.bills.order_by("pk"))
    stored = Document.objects.filter(kind="billing.bill")
    assert sorted(stored.values_list("subject_id", flat=True)) == sorted(str(b.pk) for b in bills)
    combined, _export = printing.print_documents(run)
    assert combined is not None
    pages = PdfReader(io.BytesIO(documents_module.document_bytes(combined))).pages
    each = [
        len(PdfReader(io.BytesIO(documents_module.document_bytes(d))).pages)
        for d in stored.order_by("pk")
    ]
    assert len(pages) == sum(each) == 3
    assert made[1].number in pages[1].extract_text()  # in bill order

    rows = _csv(run)
    assert list(rows[0]) == list(HEADER)
    bill_rows, (total,) = rows[:-1], rows[-1:]
    assert [r["record"] for r in bill_rows] == ["B"] * 3
    assert [r["account_number"] for r in bill_rows] == [a.number for a in made]
    assert [r["amount_due"] for r in bill_rows] == ["49.70", "52.80", "55.90"]
    assert [r["usage"] for r in bill_rows] == ["12000", "13000", "14000"]
    assert [r["pdf_first_page"] for r in bill_rows] == ["1", "2", "3"]
    for row, bill in zip(bill_rows, bills, strict=True):
        scanned = parse_scanline(row["scanline"])
        assert scanned is not None and scanned.amount_due == bill.amount_due.amount
        assert row["due_date"] == f"{bill.due_date:%Y-%m-%d}" and row["bill_number"] == str(
            bill.number
        )
    assert total["record"] == "T" and total["bill_number"] == "3"
    assert total["amount_due"] == "158.40" and total["new_charges"] == "158.40"
    assert total["pdf_pages"] == "3"
    with pytest.raises(ValidationError, match="printed"):
        printing.bill_run_print(run=run, acting_user=bob)
    requests = [DocumentRequest(subject=b, job=bill_job(b)) for b in bills]
    with django_assert_max_num_queries(4):  # one per kind of row, not one per bill
        assert all(documents_module.stored_documents(kind="billing.bill", requests=requests))
        print_export.export_csv(run=run, bills=bills, pages={})


def test_it_finishes_a_killed_print_laying_each_bill_out_once(bob, business_day, monkeypatch):
    accounts(bob, 4)
    run = posted(bob, calculated(bob))
    monkeypatch.setattr(printing, "PRINT_CHUNK", 2)

    class Killed(BaseException):
        """kill -9 while the second chunk is being laid out: no clean-up runs."""

    real_store = documents_module.document_store
    stores = {"n": 0}

    def dies_on_fourth(**kwargs):
        stores["n"] += 1
        if stores["n"] == 4:
            raise Killed
        return real_store(**kwargs)

    monkeypatch.setattr(documents_module, "document_store", dies_on_fourth)
    task = _printed(bob, run)  # the immediate backend swallows the death, as a dead worker
    assert task.status == "running" and task.done == 2  # chunk 0 recorded, chunk 1 not
    before = dict(Document.objects.filter(kind="billing.bill").values_list("subject_id", "pk"))
    assert len(before) == 3  # the third bill was stored before the worker died

    laid_out: list[int] = []
    real_iter = documents_module.render_many_iter

    def counting(jobs, **kwargs):
        laid_out.extend(job.context["bill_pk"] for job in jobs)
        return real_iter(jobs, **kwargs)

    monkeypatch.setattr(documents_module, "document_store", real_store)
    monkeypatch.setattr(documents_module, "render_many_iter", counting)
    LongTask.objects.filter(pk=task.pk).update(lease_expires_at="2000-01-01T00:00:00Z")
    from billing_site.common.tasks import run_long_task

    task = run_long_task(task=LongTask.objects.get(pk=task.pk))
    assert task.status == "done" and task.done == 4
    last = run.bills.order_by("-pk").first()
    assert laid_out == [last.pk]  # only the bill the dead worker had not finished
    after = dict(Document.objects.filter(kind="billing.bill").values_list("subject_id", "pk"))
    assert len(after) == 4 and all(after[k] == v for k, v in before.items())
    combined, export = printing.print_documents(run)
    assert combined is not None and export is not None
    assert len(PdfReader(io.BytesIO(documents_module.document_bytes(combined))).pages) == 4


def test_it_refuses_printing_to_a_clerk_and_before_posting(alice, bob, carol, business_day):
    accounts(bob, 1)
    run = calculated(bob)
    with pytest.raises(PermissionDenied):
        printing.bill_run_print(run=run, acting_user=alice)
    with pytest.raises(ValidationError, match="only a posted run prints"):
        printing.bill_run_print(run=run, acting_user=bob)
    run = posted(bob, run)
    with pytest.raises(PermissionDenied):
        printing.bill_run_print(run=run, acting_user=alice)
    assert _printed(carol, run).status == "done"  # a supervisor prints too


def test_it_leaves_a_bill_cancelled_after_posting_out(bob, business_day):
    from billing.bills.corrections import bill_cancel

    accounts(bob, 2)
    run = posted(bob, calculated(bob))
    cancelled = run.bills.order_by("pk").first()
    bill_cancel(bill=cancelled, reason="misread", acting_user=bob)
    task = _printed(bob, run)
    assert task.status == "done" and task.errors == 1
    assert not Document.objects.filter(kind="billing.bill", subject_id=str(cancelled.pk)).exists()
    rows = _csv(run)
    assert [r["bill_number"] for r in rows[:-1]] == [
        str(b.number) for b in Bill.objects.filter(run=run, status="posted").order_by("pk")
    ]
    assert rows[-1]["bill_number"] == "1"


def test_it_serves_the_downloads_to_coordinators_only(client, alice, bob, erin, business_day):
    accounts(bob, 1)
    run = posted(bob, calculated(bob))
    client.force_login(bob)
    not_yet = client.get(f"/billing/runs/{run.pk}/bills.pdf")  # not printed: back to the run
    assert not_yet.status_code == 302 and not_yet["Location"] == f"/billing/runs/{run.pk}/"
    page = client.post(f"/billing/runs/{run.pk}/print/")
    assert page.status_code == 302
    body = client.get(f"/billing/runs/{run.pk}/").content.decode()
    assert "Combined PDF for the print shop" in body and 'data-task-status="done"' in body
    pdf = client.get(f"/billing/runs/{run.pk}/bills.pdf")
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF-")
    export = client.get(f"/billing/runs/{run.pk}/bills.csv")
    exported = export.getvalue()  # streamed: read once
    assert export.status_code == 200 and exported.startswith(b"record,bill_number")
    for user in (alice, erin):
        client.force_login(user)
        assert client.get(f"/billing/runs/{run.pk}/bills.pdf").status_code == 403
        assert client.get(f"/billing/runs/{run.pk}/bills.csv").status_code == 403
        assert client.post(f"/billing/runs/{run.pk}/print/").status_code == 403
    (row, _total) = csv.DictReader(io.StringIO(exported.decode()))
    assert D(row["amount_due"]) == D("49.70")


def test_it_joins_the_combined_pdf_chunk_by_chunk_and_resumes_without_redoing_a_part(
    bob, business_day, monkeypatch
):
    from billing.bills import print_join
    from billing.bills.corrections import bill_cancel
    from billing_site.common.tasks import run_long_task

    made = accounts(bob, 5)
    run = posted(bob, calculated(bob))
    bill_cancel(bill=run.bills.order_by("pk")[2], reason="misread", acting_user=bob)
    monkeypatch.setattr(printing, "PRINT_CHUNK", 2)  # chunks: bills 1-2, 3 (cancelled)-4, 5

    class Killed(BaseException):
        """kill -9 while the third chunk's part is being joined."""

    real_part = print_join.part_bytes
    joined: list[int] = []

    def dies_on_third(**kwargs):
        if kwargs["first_object"] > print_join.FIRST_OBJECT and len(joined) == 2:
            raise Killed
        joined.append(kwargs["first_object"])
        return real_part(**kwargs)

    monkeypatch.setattr(print_join, "part_bytes", dies_on_third)
    task = _printed(bob, run)
    assert task.status == "running" and task.done == 4  # two chunks recorded, with parts
    parts = Document.objects.filter(kind=printing.PART_KIND, subject_id=str(run.pk))
    assert sorted(parts.values_list("variant", flat=True)) == ["chunk-000000", "chunk-000001"]
    first, second = (print_join.read_part(documents_module.document_bytes(p))[0] for p in parts)
    assert [len(first.bills), len(second.bills)] == [2, 1]  # the cancelled bill is not in it
    assert second.first_object == first.next_object  # the file grows part after part

    joined.clear()
    joined.extend([0, 0, 0])  # from now on no more deaths; count the parts made
    LongTask.objects.filter(pk=task.pk).update(lease_expires_at="2000-01-01T00:00:00Z")
    task = run_long_task(task=LongTask.objects.get(pk=task.pk))
    assert task.status == "done" and task.done == 5
    assert joined == [0, 0, 0, second.next_object]  # only the third chunk's part was made
    assert not parts.all().exists()  # dropped once the combined PDF is stored

    combined, _export = printing.print_documents(run)
    assert combined is not None
    reader = PdfReader(io.BytesIO(documents_module.document_bytes(combined)), strict=True)
    printed = [a for n, a in enumerate(made) if n != 2]
    assert len(reader.pages) == 4
    for page, account in zip(reader.pages, printed, strict=True):
        assert account.number in page.extract_text()  # each bill's page, in bill order
        assert page.mediabox.width == pytest.approx(612)  # letter, as the bill itself
    rows = _csv(run)[:-1]
    assert [r["account_number"] for r in rows] == [a.number for a in printed]
    assert [(r["pdf_first_page"], r["pdf_pages"]) for r in rows] == [
        ("1", "1"),
        ("2", "1"),
        ("3", "1"),
        ("4", "1"),
    ]
    for row in rows:  # the export's page range holds that bill
        text = reader.pages[int(row["pdf_first_page"]) - 1].extract_text()
        assert row["account_number"] in text and row["due_date"][:4] in text
