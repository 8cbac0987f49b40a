"""Render templates under ``templates/<app>/pdf/`` to PDF bytes with WeasyPrint.

- Render after the database work is done, never inside ``transaction.atomic``:
  a report can take a second or more to lay out, and no row lock or snapshot
  should be held while it does. ``render_pdf`` refuses to run inside one
  (``RenderInTransaction``). Pass data already fetched, or let the template read
  through relations in autocommit.
- The template may load stylesheets, fonts and images from ``static/`` only
  (``{% static %}`` URLs); any other URL is refused, so nothing typed into a
  record can make the server fetch from the network or read local files.
- Every PDF gets ``static/fonts/fonts.css`` first: the DejaVu fonts shipped in
  ``static/fonts/`` as "Billing Sans" and "Billing Mono", so a PDF looks the same
  on every machine whatever it has installed.
- ``render_many`` lays out many documents in worker processes, one per core
  (``os.cpu_count()``), each with Django set up against the same database.
- ``pdf_response`` is the one way a view answers with a PDF.
"""

from __future__ import annotations

import atexit
import functools
import mimetypes
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import django
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.module_loading import import_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A made-up origin: page-relative URLs resolve against it, and the fetcher maps
# ORIGIN + STATIC_URL back to files found by the staticfiles finders.
ORIGIN = "https://pdf.invalid"
FONTS_CSS = "fonts/fonts.css"


class RenderInTransaction(RuntimeError):
    """A PDF was about to be laid out while a database transaction was open."""


class StaticOnlyFetcher(URLFetcher):
    """Serve ``/static/...`` from the staticfiles finders and ``data:`` URLs; refuse the rest."""

    def __init__(self, static_url: str) -> None:
        super().__init__(allowed_protocols=("data", "https"))
        self.prefix = ORIGIN + static_url

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(self.prefix):
            raise ValueError(f"PDF templates may load only static files, not {url}")
        relative = url.removeprefix(self.prefix).split("?")[0].split("#")[0]
        path = finders.find(relative) if ".." not in relative else None
        if not path:
            raise ValueError(f"No static file {relative}")
        mime = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
        return URLFetcherResponse(url, _read_static(str(path)), {"Content-Type": mime})


def _read_static(path: str) -> bytes:
    if path.endswith(".ttf"):
        return _read_font(path)
    with open(path, "rb") as handle:
        return handle.read()


@functools.cache
def _read_font(path: str) -> bytes:
    """Fonts are read once per process: they are most of a small PDF's input."""
    with open(path, "rb") as handle:
        return handle.read()


def in_transaction() -> bool:
    """True inside ``transaction.atomic`` (a test case's own wrapping does not count)."""
    return any(not getattr(b, "_from_testcase", False) for b in connection.atomic_blocks)


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    stylesheet: str | None = None,
    fit_height: bool = False,
) -> bytes:
    """The PDF for ``template_name`` rendered with ``context``.

    ``stylesheet`` names a CSS template (for example ``"payments/pdf/receipt.css"``)
    rendered with the same context and applied to the document.

    ``fit_height`` (roll paper: an 80 mm receipt): one page exactly as long as its
    content. The stylesheet sizes the page with ``{{ page_height }}``; the document
    is laid out once on a very long page (``LONG_PAGE``), the content measured, then
    laid out again with that height. WeasyPrint has no ``size: 80mm auto``.
    """
    if in_transaction():
        raise RenderInTransaction(
            f"Render {template_name} after the transaction commits, not inside it."
        )
    if not fit_height:
        return _render(template_name, context, stylesheet).write_pdf()
    laid = _render(template_name, {**context, "page_height": LONG_PAGE}, stylesheet)
    height = _content_height_mm(laid)
    context = {**context, "page_height": f"{height:.1f}mm"}
    return _render(template_name, context, stylesheet).write_pdf()


LONG_PAGE = "3000mm"


def _render(template_name: str, context: dict[str, Any], stylesheet: str | None) -> Any:
    html = render_to_string(template_name, context)
    fetcher = _fetcher()
    base = ORIGIN + "/"
    font_config, fonts_css = _shipped_fonts()
    stylesheets = [fonts_css]
    if stylesheet:
        stylesheets.append(_stylesheet(render_to_string(stylesheet, context)))
    document = HTML(string=html, base_url=base, url_fetcher=fetcher)
    return document.render(stylesheets=stylesheets, font_config=font_config)


def _content_height_mm(laid: Any) -> float:
    """Top margin, content and bottom margin of the first page, in millimetres (+1 mm)."""
    page = laid.pages[0]._page_box
    root = page.children[0]
    bottom = root.position_y + root.margin_height() + page.margin_bottom
    return float(bottom) * 25.4 / 96 + 1


def _shipped_fonts() -> tuple[FontConfiguration, CSS]:
    """The fonts stylesheet and the font configuration holding its fonts, once per thread.

    WeasyPrint honours @font-face of a stylesheet only with an explicit
    FontConfiguration, and loading five font files costs about 70 ms: done once.
    """
    cached = getattr(_fonts, "loaded", None)
    if cached is None:
        font_config = FontConfiguration()
        url = ORIGIN + settings.STATIC_URL + FONTS_CSS
        fetcher = _fetcher()
        css = CSS(url=url, base_url=url, url_fetcher=fetcher, font_config=font_config)
        cached = _fonts.loaded = (font_config, css)
    return cached


_fonts = threading.local()


def _fetcher() -> StaticOnlyFetcher:
    """One fetcher per thread: building one loads the system's CA certificates into a
    new SSL context (about 0.2 s, a third of a one-page letter's render)."""
    cached: StaticOnlyFetcher | None = getattr(_fonts, "fetcher", None)
    if cached is None or cached.prefix != ORIGIN + settings.STATIC_URL:
        cached = _fonts.fetcher = StaticOnlyFetcher(settings.STATIC_URL)
    return cached


def _stylesheet(css: str) -> CSS:
    """The parsed stylesheet of a rendered CSS text, kept per thread while the text is the
    same (a batch of letters or bills shares one stylesheet: parsed once, not per PDF)."""
    kept: dict[str, CSS] = getattr(_fonts, "stylesheets", None) or {}
    if css not in kept:
        if len(kept) >= 16:
            kept.clear()
        font_config, _ = _shipped_fonts()
        kept[css] = CSS(
            string=css, base_url=ORIGIN + "/", url_fetcher=_fetcher(), font_config=font_config
        )
        _fonts.stylesheets = kept
    return kept[css]


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """A PDF answer: shown in the browser (``inline``) or saved, under ``filename``."""
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    safe = filename.replace('"', "").replace("\\", "").replace("\r", "").replace("\n", "")
    response["Content-Disposition"] = f'{disposition}; filename="{safe}"'
    return response


# -- many documents at once -----------------------------------------------------


@dataclass(frozen=True)
class PdfJob:
    """One document of a batch; everything in it must pickle (plain data, ids).

    With ``context_builder`` (a dotted path), the worker process calls it with
    ``context`` as keyword arguments to fetch the real context itself, so a job can
    be as small as ``{"payment_pk": 12}``.
    """

    template_name: str
    context: dict[str, Any] = field(default_factory=dict)
    stylesheet: str | None = None
    context_builder: str | None = None
    fit_height: bool = False


def render_job(job: PdfJob) -> bytes:
    context = job.context
    if job.context_builder:
        context = import_string(job.context_builder)(**context)
    return render_pdf(
        job.template_name, context, stylesheet=job.stylesheet, fit_height=job.fit_height
    )


def render_many(jobs: Sequence[PdfJob], *, processes: int | None = None) -> list[bytes]:
    """Every job's PDF, in order, laid out by ``processes`` workers (default: one per core).

    Workers are fresh processes (``spawn``: no database connection is shared
    across a fork) with Django set up and pointed at this process's database.
    Starting them costs a second or more each, so the pool is kept for the next
    batch of this process (a bill run renders chunk after chunk) and closed at
    exit; a single document renders here.
    """
    return list(render_many_iter(jobs, processes=processes))


def render_many_iter(jobs: Sequence[PdfJob], *, processes: int | None = None) -> Iterator[bytes]:
    """``render_many`` one document at a time, in order, as the workers finish them.

    A caller that stores each PDF as it arrives loses only the documents in flight
    when it is killed, not the whole batch.
    """
    if in_transaction():
        raise RenderInTransaction("Render a batch of PDFs outside transaction.atomic.")
    size = processes or os.cpu_count() or 1
    if size <= 1 or len(jobs) <= 1:
        yield from (render_job(job) for job in jobs)
        return
    chunksize = max(1, len(jobs) // (size * 4))
    done = 0
    for attempt in (1, 2):
        try:
            for data in _pool(size).map(_render_in_worker, jobs[done:], chunksize=chunksize):
                done += 1
                yield data
            return
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh once
            shutdown_render_pool()
            if attempt == 2:
                raise


_POOL_LOCK = threading.RLock()
_pool_state: dict[str, Any] = {}


def _pool(size: int) -> ProcessPoolExecutor:
    key = (size, settings.SETTINGS_MODULE or "", connection.settings_dict["NAME"])
    with _POOL_LOCK:
        if _pool_state.get("key") != key:
            shutdown_render_pool()
            _pool_state["pool"] = ProcessPoolExecutor(
                max_workers=size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=key[1:],
            )
            _pool_state["key"] = key
        return _pool_state["pool"]


def shutdown_render_pool() -> None:
    """Stop the render workers (at exit, or before starting a pool of another shape)."""
    with _POOL_LOCK:
        pool = _pool_state.pop("pool", None)
        _pool_state.pop("key", None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_render_pool)


def _start_worker(settings_module: str, database_name: str) -> None:
    """Set Django up in a render worker, on the parent's database (the test one in tests)."""
    if settings_module:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    _warm_up()


def _warm_up() -> None:
    """Pay a worker's fixed costs when the pool starts, not in its first document of a
    batch: the shipped fonts, the fetcher, and one tiny layout (Pango, the default
    stylesheet, the PDF writer). Without it a worker's first letter cost about a second."""
    font_config, fonts_css = _shipped_fonts()
    HTML(string="<p>ready</p>", url_fetcher=_fetcher()).write_pdf(
        stylesheets=[fonts_css], font_config=font_config
    )


def _render_in_worker(job: PdfJob) -> bytes:
    """One job in a kept worker: no connection stays open between batches."""
    try:
        return render_job(job)
    finally:
        connections.close_all()
