"""document_batch: PDFs per second from ``render_many`` (one process per core) against one process.

Renders 60 one-page deposit-slip listings (as a notice or bill batch would: a
template, a stylesheet, the shipped fonts) twice: in this process one after the
other (the baseline), and through ``billing_site.common.pdf.render_many`` with
``os.cpu_count()`` worker processes, started once beforehand (a running worker
keeps its pool between batches; the start-up time is logged). The ratio is the
speed-up; the target is 1.5 on the two cores this project is measured on (it
cannot exceed the number of cores, and other load on the machine lowers it).
"""

from __future__ import annotations

import os
import time

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_documents"
DOCUMENTS = 60


def jobs() -> list:
    from billing_site.common.pdf import PdfJob

    lines = [
        f"R{n:06d}               Check            {1000 + n:<40} {n * 3.25:>14.2f}"
        for n in range(60)
    ]
    return [
        PdfJob(
            "payments/pdf/deposit_slip.html",
            {"deposit": None, "blocks": ["\n".join(lines)], "heading": f"Slip {i}", "count": 60},
            stylesheet="payments/pdf/report.css",
        )
        for i in range(DOCUMENTS)
    ]


def per_second(render) -> float:
    started = time.perf_counter()
    done = render(jobs())
    seconds = time.perf_counter() - started
    assert len(done) == DOCUMENTS and all(pdf.startswith(b"%PDF-") for pdf in done)
    return DOCUMENTS / seconds


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    from billing_site.common.pdf import render_job, render_many

    render_job(jobs()[0])  # fonts and templates loaded once, as in a running server
    serial = per_second(lambda batch: [render_job(job) for job in batch])
    log(f"document_batch: {serial:.1f} PDFs/s in one process")
    started = time.perf_counter()
    render_many(jobs()[:4])  # start the pool: kept by a running worker between batches
    log(
        f"document_batch: {os.cpu_count()} render processes started in "
        f"{time.perf_counter() - started:.1f} s"
    )
    parallel = per_second(render_many)
    log(f"document_batch: {parallel:.1f} PDFs/s with {os.cpu_count()} processes")
    return Result("document_batch", parallel, "pdfs_per_s", serial, 1.5)


if __name__ == "__main__":
    print(main().line(), flush=True)
