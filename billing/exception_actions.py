"""What a higher app offers on the read exceptions queue, without billing importing it:
service orders (3.5) lend each exception a *Re-read order* button (or say which order is
out already). A source takes the page's exceptions at once (one query for the page) and
the user, and returns an :class:`ExceptionAction` per exception it has something for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExceptionAction:
    """A button (``url`` and ``token`` set) or a line of status (``url`` empty)."""

    text: str
    url: str = ""
    token: str = ""
    label: str = ""


Source = Callable[[Sequence[Any], Any], dict[int, ExceptionAction]]
_sources: list[Source] = []


def register(source: Source) -> None:
    _sources.append(source)


def actions_for(exceptions: Sequence[Any], user: Any) -> dict[int, list[ExceptionAction]]:
    """Each exception's actions from every source, by exception id."""
    found: dict[int, list[ExceptionAction]] = {}
    for source in _sources:
        for pk, action in source(exceptions, user).items():
            found.setdefault(pk, []).append(action)
    return found
