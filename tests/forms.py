"""Posting a form as a browser does: with the one-time token from the page."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

_TOKEN = re.compile(r'name="token" value="([^"]+)"')


def with_token(
    client: Client, url: str, data: dict[str, Any], *, action: str | None = None
) -> dict[str, Any]:
    """``data`` plus the one-time form token the page at ``url`` hands out: the first on
    the page, or (``action``) the first after the form posting to that URL (a page with
    several forms carries a token per form purpose)."""
    page = client.get(url).content.decode()
    if action is not None:
        start = page.find(f'action="{action}"')
        assert start >= 0, f"no form posting to {action} on {url}"
        page = page[start:]
    match = _TOKEN.search(page)
    assert match, f"no form token on {url}"
    return {"token": match.group(1), **data}
