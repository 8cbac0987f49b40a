"""Per-session middleware: the idle timeout without a write on every page, and the
signed-in user's permissions and role names cached in the session.

``SESSION_COOKIE_AGE`` is the idle timeout. Django's ``SESSION_SAVE_EVERY_REQUEST``
would push the expiry forward on every request, at the price of an UPDATE in a
transaction of its own on every page a clerk opens. This middleware saves the
session (which sets its expiry to now + the timeout) only when it was last
saved ``SESSION_TOUCH_SECONDS`` ago or more, so a signed-in user is signed out
after between ``timeout - touch`` and ``timeout`` of inactivity.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .roles import load_cached_roles

TOUCHED = "_touched"


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or response.status_code >= 500:
            return response
        now = int(time.time())
        touched = session.get(TOUCHED)
        # Never more than half the timeout, so an active user is never signed out.
        every = min(settings.SESSION_TOUCH_SECONDS, settings.SESSION_COOKIE_AGE // 2)
        if not isinstance(touched, int) or now - touched >= every:
            session[TOUCHED] = now  # marks the session modified: it is saved, expiry renewed
        return response


class RoleCacheMiddleware:
    """Permissions and role names from the session cache (``roles.load_cached_roles``).

    Sits right after ``AuthenticationMiddleware``; a role change takes effect on
    the next request, because the cache is keyed by the roles version stamp.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if hasattr(request, "session") and hasattr(request, "user"):
            load_cached_roles(request)
        return self.get_response(request)
