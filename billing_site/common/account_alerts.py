"""Alerts about an account that a lower app shows but a higher one owns.

The counter (payments, floor 3.1) shows "installment due $X on <date>" for a
payment plan that collections (3.3) keeps; payments cannot import collections.
Each owning app registers a source here in its ``AppConfig.ready()``; the
counter asks :func:`alerts_for` for the lines to show. A source takes the
account and returns plain-text lines (empty when it has nothing to say).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_sources: dict[str, Callable[[Any], Iterable[str]]] = {}


def register(name: str, source: Callable[[Any], Iterable[str]]) -> None:
    """Name a source of alerts (registering the same name again replaces it)."""
    _sources[name] = source


def alerts_for(account: Any) -> list[str]:
    """Every registered source's lines for ``account``, in registration order."""
    lines: list[str] = []
    for source in _sources.values():
        lines.extend(source(account))
    return lines
