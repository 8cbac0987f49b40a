"""notice_pdf: delinquency notice letters per second with one render process per core.

Renders ``LETTERS`` shut-off notices (the collections letter template, stylesheet and
shipped fonts, as a notice run's print stage does) through
``billing_site.common.pdf.render_many`` with ``os.cpu_count()`` worker processes (the
pool started once beforehand, as a running worker keeps it), against the baseline: the
same letters rendered by bare WeasyPrint (``render_job``) one after the other in one
process. Unit ``letters_per_s``; target ratio >= 1.8 (it cannot exceed the number of
cores; other load on the machine lowers it).
"""

from __future__ import annotations

import os
import time

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_notices"
LETTERS = 80


def jobs() -> list:
    from datetime import date

    from billing_site.common.pdf import PdfJob
    from collections_app.letters import LETTERS_TEMPLATE, STYLESHEET

    body = (
        "Dear Pat Customer{n},\n\nAccount 10{n:05d} (1{n} Oak Ave) owes $142.{c:02d} past due "
        "since November 6, 2026. A notice fee of $10.00 has been added. Unless the past-due "
        "amount is paid by December 7, 2026, water service at this address may be disconnected "
        "without further notice.\n\nTo set up a payment arrangement, call or visit the office."
    )
    return [
        PdfJob(
            LETTERS_TEMPLATE,
            {"pages": [{
                "letter": {"account": {"number": f"10{n:05d}"}, "owner_copy": n % 7 == 0,
                           "recipient": f"Pat Customer{n}", "subject": "Notice of disconnection"},
                "paragraphs": body.format(n=n, c=n % 100).split("\n\n"),
                "address_lines": [f"{n} Main St", "Tallahassee, FL 32301"],
                "city_name": "City Utility Billing", "city_contact": "City Hall",
                "dated": date(2026, 11, 23),
            }]},
            stylesheet=STYLESHEET,
        )
        for n in range(LETTERS)
    ]  # fmt: skip


def per_second(render) -> float:
    batch = jobs()
    started = time.perf_counter()
    done = render(batch)
    seconds = time.perf_counter() - started
    assert len(done) == LETTERS and all(pdf.startswith(b"%PDF-") for pdf in done)
    return LETTERS / seconds


def worker_cpu_seconds() -> float:
    """CPU seconds (user + system) the render pool's processes have used so far, from
    /proc (the pool stays alive, so the parent's rusage of children does not count them)."""
    from billing_site.common import pdf

    pool = pdf._pool_state.get("pool")
    total = 0.0
    for pid in getattr(pool, "_processes", {}) or {}:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    from billing_site.common.pdf import render_job, render_many

    render_job(jobs()[0])  # fonts and templates loaded once, as in a running server
    cpu = time.process_time()
    serial = per_second(lambda batch: [render_job(job) for job in batch])
    serial_cpu = (time.process_time() - cpu) / LETTERS
    log(f"notice_pdf: {serial:.1f} letters/s, bare WeasyPrint in one process "
        f"({serial_cpu * 1000:.0f} ms of CPU a letter)")  # fmt: skip
    started = time.perf_counter()
    render_many(jobs()[:4])
    log(f"notice_pdf: {os.cpu_count()} render processes started in "
        f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    cpu, parent = worker_cpu_seconds(), time.process_time()
    parallel = per_second(render_many)
    workers_cpu = (worker_cpu_seconds() - cpu) / LETTERS
    parent_cpu = (time.process_time() - parent) / LETTERS
    log(f"notice_pdf: {parallel:.1f} letters/s with {os.cpu_count()} processes "
        f"({workers_cpu * 1000:.0f} ms of CPU a letter in the workers, "
        f"{parent_cpu * 1000:.0f} ms in the parent; the workers had "
        f"{parallel * workers_cpu:.2f} cores on average)")  # fmt: skip
    return Result("notice_pdf", parallel, "letters_per_s", serial, 1.8)


if __name__ == "__main__":
    print(main().line(), flush=True)
