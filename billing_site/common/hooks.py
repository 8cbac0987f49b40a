"""Callables a lower app runs and higher apps provide (a lower app cannot import a higher
one): each app registers its hook by name in ``AppConfig.ready()``. Registering a name again
replaces the hook, so a hook never runs twice; hooks run in name order. Used by billing's
after-final-bill hooks and payments' after-closeout hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class Registry[Hook: Callable[..., Any]]:
    def __init__(self) -> None:
        self._by_name: dict[str, Hook] = {}

    def register(self, name: str, hook: Hook) -> None:
        self._by_name[name] = hook

    def __iter__(self) -> Iterator[Hook]:
        return iter([hook for _name, hook in sorted(self._by_name.items())])
