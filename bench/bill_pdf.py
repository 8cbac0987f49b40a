"""bill_pdf: bill PDFs per second, laid out by one worker process per core, against bare
WeasyPrint laying out the same bills' HTML in one process; and the CPU per page.

Builds ``BENCH_BILL_PDFS`` (default 60) accounts with a posted bill each (through
``bench.bill_run``'s data set and the real Calculate and Post tasks), then:

* **value**: ``render_many`` of the bills' jobs (``billing.bill_pdf.bill_job``: each
  worker builds its bill's context from the id, renders the template, lays it out:
  usage chart, barcode, the shipped fonts) with ``os.cpu_count()`` processes, the pool
  started beforehand as a running print worker keeps it. PDFs per second, wall clock.
* **baseline**: the same bills' HTML and stylesheet, rendered to strings beforehand,
  laid out one after the other in this process by bare WeasyPrint as a first
  integration would call it: ``HTML(string=...).write_pdf(stylesheets=[fonts, bill])``
  with a fresh ``FontConfiguration`` per document (the static-only URL fetcher is
  needed to find the shipped fonts at all). PDFs per second. Target ratio >= 1.8.
* **bill_pdf_cpu**: CPU milliseconds per page of the application's path
  (``render_job``: context, template, layout) in this process, one bill after another,
  ``time.process_time()`` over the pages of the PDFs made. Baseline 100 ms, unit
  ``ms_lower_is_better``: the ratio should be at most 1.

Both lines go to stdout (``bill_pdf_cpu`` first); details to stderr.
"""

from __future__ import annotations

import io
import os
import time
from typing import Any

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_bill_pdf"
BILLS = int(os.environ.get("BENCH_BILL_PDFS", "60"))
EXTRA: list[Result] = []


def posted_bill_ids() -> list[int]:
    from bench import bill_run

    bill_run.ACCOUNTS = BILLS
    user_id, cycle_id = bill_run.prepare()
    (start, end, bill_date), _ = bill_run.PERIODS
    # Calculate and Post, as a city would
    bill_run.bills_per_second(user_id, cycle_id, start, end, bill_date, workers=1)
    from billing.models import Bill

    return list(Bill.objects.filter(status="posted").order_by("pk").values_list("pk", flat=True))


def bare_inputs(bill_ids: list[int]) -> list[tuple[str, str]]:
    from django.template.loader import render_to_string

    from billing.bill_pdf import STYLESHEET, TEMPLATE, bill_context

    inputs = []
    for pk in bill_ids:
        context = bill_context(bill_pk=pk)
        inputs.append((render_to_string(TEMPLATE, context), render_to_string(STYLESHEET, context)))
    return inputs


def bare_weasyprint(html: str, css: str) -> bytes:
    from django.conf import settings
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from billing_site.common.pdf import FONTS_CSS, ORIGIN, StaticOnlyFetcher

    fetcher = StaticOnlyFetcher(settings.STATIC_URL)
    fonts = FontConfiguration()
    stylesheets = [
        CSS(url=ORIGIN + settings.STATIC_URL + FONTS_CSS, url_fetcher=fetcher, font_config=fonts),
        CSS(string=css, base_url=ORIGIN + "/", url_fetcher=fetcher, font_config=fonts),
    ]
    document = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets, font_config=fonts)


def pages(pdfs: list[bytes]) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs)


def timed(render: Any) -> tuple[float, list[bytes]]:
    started = time.perf_counter()
    pdfs = render()
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
    return time.perf_counter() - started, pdfs


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    from billing.bill_pdf import bill_job
    from billing.models import Bill
    from billing_site.common.pdf import render_job, render_many

    ids = posted_bill_ids()
    jobs = [bill_job(bill) for bill in Bill.objects.filter(pk__in=ids).order_by("pk")]
    inputs = bare_inputs(ids)
    bare_weasyprint(*inputs[0])  # WeasyPrint's own imports and caches, once
    render_job(jobs[0])  # the shipped fonts, once per process, as in a running worker

    cpu_started = time.process_time()
    seconds, mine = timed(lambda: [render_job(job) for job in jobs])
    cpu_ms = (time.process_time() - cpu_started) * 1000 / pages(mine)
    log(f"bill_pdf: {len(jobs)} bills in one process: {len(jobs) / seconds:.1f}/s, "
        f"{cpu_ms:.1f} ms CPU per page")  # fmt: skip

    bare_seconds, bare = timed(lambda: [bare_weasyprint(html, css) for html, css in inputs])
    log(f"bill_pdf: bare WeasyPrint, one process: {len(bare) / bare_seconds:.1f}/s")

    started = time.perf_counter()
    render_many(jobs[: 2 * (os.cpu_count() or 1)])  # start the pool, as a print worker keeps it
    log(f"bill_pdf: {os.cpu_count()} render processes started in "
        f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    parallel_seconds, parallel = timed(lambda: render_many(jobs))
    assert len(parallel) == len(jobs)
    log(f"bill_pdf: {os.cpu_count()} processes: {len(parallel) / parallel_seconds:.1f}/s")
    EXTRA.append(Result("bill_pdf_cpu", cpu_ms, "ms_lower_is_better", 100.0, 1))
    return Result(
        "bill_pdf", len(parallel) / parallel_seconds, "pdfs_per_s", len(bare) / bare_seconds, 1.8
    )


if __name__ == "__main__":
    result = main()
    for extra in EXTRA:
        print(extra.line(), flush=True)
    print(result.line(), flush=True)
