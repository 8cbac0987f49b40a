"""Dashboards as lists of panels: each panel a partial template and a context function.

A dashboard keeps ``PANELS: list[Panel]``; its page and its htmx refresh render
``shown(PANELS, request, today)`` through ``common/partials/_panels.html``, so adding a
panel is one line: ``Panel("key", "Title", "app/partials/_dashboard_key.html", context_fn)``, with
``context_fn(request, today) -> dict`` reading through the owning app's selectors.
A panel with ``permission`` is left out for users without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest

ContextFunction = Callable[[HttpRequest, date], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: ContextFunction
    wide: bool = False
    permission: str = ""


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    data: dict[str, Any]


def shown(panels: Sequence[Panel], request: HttpRequest, today: date) -> list[ShownPanel]:
    user: Any = request.user
    return [
        ShownPanel(p, p.context(request, today))
        for p in panels
        if not p.permission or user.has_perm(p.permission)
    ]
