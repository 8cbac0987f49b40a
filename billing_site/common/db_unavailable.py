"""The "database was briefly unavailable" page, instead of a 500, when PostgreSQL drops.

``CONN_HEALTH_CHECKS`` (settings) makes a request that starts on a dead pooled
connection reconnect before its first query, so a PostgreSQL restart between
requests costs nothing. A connection that drops *during* a request raises
``OperationalError`` or ``InterfaceError`` wherever it happens (session load,
middleware, view); Django's error handler then calls :func:`server_error`
(``handler500`` in ``billing_site.urls``), which answers 503 with a page that keeps
what was sent: every POSTed field as a hidden input (a fresh CSRF token, the form's
own one-time token unchanged) and a "Send again" button.

Why resending is safe: the request's transaction was rolled back with the
connection, so nothing was posted; and if the drop came at COMMIT and the work
did commit, the one-time token makes the resend return the first result instead
of posting twice (``billing_site.common.formflow``).

The page is rendered without the request context (no user, no roles): those
read the database, which is the thing that is down. Passwords and uploaded files
are never echoed (the page says to choose the file again), nor is a value that
looks like a card number.
"""

from __future__ import annotations

import re
import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.views import defaults

DROPPED = (OperationalError, InterfaceError)
_NEVER_ECHOED = {"csrfmiddlewaretoken", "password", "password1", "password2"}
_CARD_LIKE = re.compile(r"(?:\d[ -]?){13,19}")


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the 503 page for a dropped connection, Django's 500 otherwise."""
    error = sys.exc_info()[1]
    if not isinstance(error, DROPPED):
        return defaults.server_error(request)
    _drop_dead_connections()
    return unavailable_response(request)


def _drop_dead_connections() -> None:
    """Close what PostgreSQL dropped now, so the resend starts on a fresh connection."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            conn.close()


def unavailable_response(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    fields = _resendable(request) if posted else []
    html = loader.get_template("common/db_unavailable.html").render(
        {
            "posted": posted,
            "fields": fields,
            "files": posted and bool(request.FILES),
            "action": request.get_full_path(),
            "csrf_token": get_token(request) if posted else "",
        }
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


def _resendable(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NEVER_ECHOED
        for value in values
        if not _CARD_LIKE.search(value)
    ]
