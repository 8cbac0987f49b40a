"""A page whose form came back with errors has a title starting "Error:" (WCAG 2.4.2, 3.3.1).

Done once here rather than in every template: the shared form rendering marks
what is wrong (``aria-invalid="true"`` on each field in error, from Django's
``BoundField``, and ``data-error-summary`` on the error summary of
``common/partials/_form_errors.html``), and this middleware puts "Error: " in
front of the ``<title>`` of a full HTML page that carries either mark. A
fragment swapped in by htmx has no title: ``static/js/app.js`` sets it there.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

MARKS = (b'aria-invalid="true"', b"data-error-summary")
TITLE = b"<title>"
PREFIX = b"Error: "


class ErrorTitleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        body = response.content
        at = body.find(TITLE, 0, 4096)
        if at < 0 or body.startswith(PREFIX, at + len(TITLE)):
            return response
        if any(mark in body for mark in MARKS):
            at += len(TITLE)
            response.content = body[:at] + PREFIX + body[at:]
        return response
