"""What a later part of collections (payment plans, part 2) tells the timeline, without
the timeline importing it: a function that names the accounts whose plan is in good
standing. Part 2 registers one in its ``AppConfig.ready()``; until then nobody has one.

Service orders (above collections) lend the sent disconnect list its *Create disconnect
orders* button the same way: a source that, for a run and a user, says where to post,
how many orders exist already and which accounts are refused and why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

_plans_in_good_standing: list[Callable[[list[int]], Iterable[int]]] = []


def register_plans_in_good_standing(source: Callable[[list[int]], Iterable[int]]) -> None:
    _plans_in_good_standing.append(source)


def plans_in_good_standing(account_ids: list[int]) -> set[int]:
    """The accounts (of ``account_ids``) with a payment plan in good standing."""
    found: set[int] = set()
    for source in _plans_in_good_standing:
        found.update(source(account_ids))
    return found


@dataclass(frozen=True)
class RunAction:
    """A button on a sent disconnect list that a higher app provides, with its summary."""

    url: str
    token: str
    label: str
    summary: str
    refused: list[tuple[str, str]] = field(default_factory=list)  # (account number, why)
    can_post: bool = True


_disconnect_run_actions: list[Callable[[Any, Any], RunAction | None]] = []


def register_disconnect_run_action(source: Callable[[Any, Any], RunAction | None]) -> None:
    _disconnect_run_actions.append(source)


def disconnect_run_actions(run: Any, user: Any) -> list[RunAction]:
    """What higher apps offer on a sent disconnect list (``run``) for ``user``."""
    found = (source(run, user) for source in _disconnect_run_actions)
    return [action for action in found if action is not None]
