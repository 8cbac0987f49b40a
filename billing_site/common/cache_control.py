"""``Cache-Control: no-store`` on every response to a signed-in user.

Customer pages, htmx partials, receipts and reports as PDF or CSV must not stay
in the browser's cache or a proxy's after the clerk signs out (a shared counter
PC, the back button after logout). Static files are served by WhiteNoise before
this middleware and keep their long cache lifetimes; the login page is public.
A response that already says ``no-store`` (the admin's ``never_cache``) is left
as it is; any other caching header a view set is replaced.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "no-store" not in response.get("Cache-Control", ""):
                response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
