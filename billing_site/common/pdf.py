"""Render a template under ``templates/<app>/pdf/`` to PDF bytes with WeasyPrint.

Call it after the database work is done (outside ``transaction.atomic``): a
report can take a second or more to lay out, and no row lock or snapshot should
be held while it does. Pass plain data in the context, already fetched.

The template may load stylesheets, fonts and images from ``static/`` only
(``{% static %}`` URLs); any other URL is refused, so nothing typed into a
record can make the server fetch from the network or read local files.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A made-up origin: page-relative URLs resolve against it, and the fetcher maps
# ORIGIN + STATIC_URL back to files found by the staticfiles finders.
ORIGIN = "https://pdf.invalid"


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
        with open(path, "rb") as handle:
            body = handle.read()
        return URLFetcherResponse(url, body, {"Content-Type": mime})


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    stylesheet: str | None = None,
) -> bytes:
    """The PDF for ``template_name`` rendered with ``context``.

    ``stylesheet`` names a CSS template (for example ``"payments/pdf/receipt.css"``)
    rendered with the same context and applied to the document.
    """
    html = render_to_string(template_name, context)
    fetcher = StaticOnlyFetcher(settings.STATIC_URL)
    stylesheets = []
    if stylesheet:
        css = render_to_string(stylesheet, context)
        stylesheets.append(CSS(string=css, base_url=ORIGIN + "/", url_fetcher=fetcher))
    document = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets)
