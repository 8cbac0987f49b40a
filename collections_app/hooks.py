"""What a later part of collections (payment plans, part 2) tells the timeline, without
the timeline importing it: a function that names the accounts whose plan is in good
standing. Part 2 registers one in its ``AppConfig.ready()``; until then nobody has one."""

from __future__ import annotations

from collections.abc import Callable, Iterable

_plans_in_good_standing: list[Callable[[list[int]], Iterable[int]]] = []


def register_plans_in_good_standing(source: Callable[[list[int]], Iterable[int]]) -> None:
    _plans_in_good_standing.append(source)


def plans_in_good_standing(account_ids: list[int]) -> set[int]:
    """The accounts (of ``account_ids``) with a payment plan in good standing."""
    found: set[int] = set()
    for source in _plans_in_good_standing:
        found.update(source(account_ids))
    return found
