"""Posting a form as a browser does: with the one-time token from the page."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

_TOKEN = re.compile(r'name="token" value="([^"]+)"')


def with_token(client: Client, url: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` plus the one-time form token the page at ``url`` hands out."""
    match = _TOKEN.search(client.get(url).content.decode())
    assert match, f"no form token on {url}"
    return {"token": match.group(1), **data}
