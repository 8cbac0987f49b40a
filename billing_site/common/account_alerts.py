"""Alerts about an account that a lower app shows but a higher one owns.

The counter (payments, floor 3.1) shows "installment due $X on <date>" for a
payment plan that collections (3.3) keeps; payments cannot import collections.
Each owning app registers a source here in its ``AppConfig.ready()``; the
counter asks :func:`alerts_for` for the lines to show. A source takes the
account and returns plain-text lines (empty when it has nothing to say).

*Offers* are the same idea with an action: the receipt page (payments) offers to cancel a
pending disconnect once the payment left the account owing nothing, an order service
orders (3.5) keeps. An offer source takes the receipt's accounts (all at once, so a
receipt of four accounts is still one query per source), the user (who may or may not be
allowed the action) and the page to come back to, and returns :class:`Offer` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Offer:
    """A line with an action: ``url`` empty when the user may not take it (``text`` says
    who can)."""

    key: str  # a stable id for the page (tests, focus)
    text: str
    url: str = ""
    label: str = ""


OfferSource = Callable[[Sequence[Any], Any, str], Iterable[Offer]]
_offer_sources: dict[str, OfferSource] = {}


def register_offer(name: str, source: OfferSource) -> None:
    """Name a source of offers (registering the same name again replaces it)."""
    _offer_sources[name] = source


def offers_for(accounts: Sequence[Any], user: Any, *, back: str = "") -> list[Offer]:
    """Every registered source's offers for ``accounts`` as ``user`` sees them."""
    if not accounts:
        return []
    found: list[Offer] = []
    for source in _offer_sources.values():
        found.extend(source(accounts, user, back))
    return found
