"""The session seen from the page: the idle-timeout warning, and forms sent too late.

* **Idle warning.** The idle timeout (``SESSION_COOKIE_AGE``, renewed by
  ``IdleSessionMiddleware`` at most every ``SESSION_TOUCH_SECONDS``) is
  announced ``SESSION_IDLE_WARNING_SECONDS`` before it ends (at least 20 s, WCAG
  2.2.1): the page gets the seconds left (``idle`` in the context, and the
  ``X-Session-Idle-Left`` header on every answer, htmx fragments included) and
  ``static/js/app.js`` shows "Stay signed in", which posts to
  :func:`keepalive`.
* **A form sent after the session ended.** ``LoginRequiredMiddleware`` would send
  the POST to the sign-in page and lose it. :class:`StashExpiredPostMiddleware`
  (just before it) keeps the posted fields in the new anonymous session (never a
  one-time token, the CSRF token, a password, a file, nor anything that looks like
  a card number: those are dropped), and after signing in the same page comes back
  with the fields filled in and a notice (``restored_form`` in the context, filled
  in by app.js). Nothing is posted: the person checks it and sends it again, with
  the page's fresh one-time token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from .cards import looks_like_card_number
from .sessions import SIGNED_IN_AT

STASH = "_stashed_form"
STASH_KEEP_SECONDS = 30 * 60
NEVER_KEPT = {"csrfmiddlewaretoken", "token", "password", "password1", "password2"}
TOUCHED = "_touched"  # as billing_site.common.middleware.TOUCHED


def idle_seconds_left(request: HttpRequest) -> int | None:
    """Seconds until the idle timeout ends the session, once this answer is sent."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated:
        return None
    age = int(settings.SESSION_COOKIE_AGE)
    touched = session.get(TOUCHED)
    every = min(settings.SESSION_TOUCH_SECONDS, age // 2)
    now = int(time.time())
    if not isinstance(touched, int) or now - touched >= every or session.modified:
        left = age  # this answer renews it
    else:
        left = max(0, touched + age - now)
    signed_in_at = session.get(SIGNED_IN_AT)
    if isinstance(signed_in_at, int):  # the absolute limit (one shift) comes first
        left = min(
            left, max(0, signed_in_at + settings.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600 - now)
        )
    return left


def session_ui(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``idle`` (seconds left, warning lead) and ``restored_form``."""
    left = idle_seconds_left(request)
    idle = None
    if left is not None:
        idle = {"left": left, "warn": min(settings.SESSION_IDLE_WARNING_SECONDS, left)}
    return {"idle": idle, "restored_form": _take_stash(request)}


def _take_stash(request: HttpRequest) -> dict[str, Any] | None:
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated or request.method != "GET":
        return None
    stash = session.get(STASH)
    if not isinstance(stash, dict) or stash.get("path") != request.path:
        return None
    del session[STASH]
    if time.time() - stash.get("at", 0) > STASH_KEEP_SECONDS:
        return None
    return stash


class StashExpiredPostMiddleware:
    """Between ``AuthenticationMiddleware`` and ``LoginRequiredMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], *args: Any) -> None:
        if request.method != "POST" or request.user.is_authenticated:
            return None
        if not getattr(view_func, "login_required", True):
            return None  # the sign-in page itself, and other open pages
        data = {
            name: [v for v in request.POST.getlist(name) if not looks_like_card_number(v)]
            for name in request.POST
            if name not in NEVER_KEPT
        }
        if not any(data.values()):
            return None  # nothing typed (e.g. "stay signed in" sent too late)
        request.session[STASH] = {
            "path": request.path,
            "data": data,
            "files": [
                f.name
                for name in request.FILES
                for f in request.FILES.getlist(name)
                if not looks_like_card_number(f.name)
            ],
            "at": int(time.time()),
        }
        messages.info(
            request,
            "Your session had ended, so nothing was saved. Sign in again: "
            "what you typed will be back in the form.",
        )
        return None


@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": renews the idle timeout (the session is saved, expiry pushed)."""
    request.session[TOUCHED] = int(time.time())
    return JsonResponse({"left": int(settings.SESSION_COOKIE_AGE)})


class IdleLeftHeaderMiddleware:
    """``X-Session-Idle-Left`` on every signed-in answer (htmx fragments reset the timer)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        left = idle_seconds_left(request)
        if left is not None:
            response["X-Session-Idle-Left"] = str(left)
        return response
