"""The absolute session limit: a sign-in lasts at most one shift, however active.

The idle timeout (``IdleSessionMiddleware``) ends a session nobody uses; this one
ends any session ``SESSION_ABSOLUTE_TIMEOUT_HOURS`` after sign-in (default 10, a
shift), so a session cookie taken from a counter PC is worth a shift at most.
The sign-in time is written when the user signs in (``user_logged_in``), and by
the middleware for a session that has none (one signed in before this existed).
An expired session is flushed and the request goes on as anonymous, so the login
redirect of ``LoginRequiredMiddleware`` sends the user to sign in again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "_signed_in_at"


def _mark_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if getattr(request, "session", None) is not None:
        request.session[SIGNED_IN_AT] = int(time.time())


def connect() -> None:
    """Called from ``CommonConfig.ready()``."""
    user_logged_in.connect(_mark_sign_in, dispatch_uid="session_signed_in_at")


class AbsoluteSessionTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            limit = settings.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
            if not isinstance(signed_in_at, int):
                request.session[SIGNED_IN_AT] = int(time.time())
            elif time.time() - signed_in_at >= limit:
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {settings.SESSION_ABSOLUTE_TIMEOUT_HOURS} hours "
                    "(one shift). Please sign in again.",
                )
        return self.get_response(request)
