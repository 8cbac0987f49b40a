"""The top navigation of every signed-in page (``{% topnav %}`` in ``base.html``), built in
Python once per set of permissions, and its badges counted in one statement.

The template this replaces checked some twenty permissions and reversed as many URLs on every
page, and counted each badge in a query of its own. Here the links a user sees depend only on
what :data:`LINKS` asks of them (each link's permissions, staff), so the HTML between the
badges is built once per answer to those questions and kept (:func:`topnav_html`); a page
then joins the kept pieces with its badge counts.

Badges (My work, Voids, Refunds waiting) are counted by higher floors (work queues, payments,
adjustments), which this floor cannot import: ``front`` registers each one in its
``AppConfig.ready()`` (:data:`BADGES`). A badge callable gets the request and returns either a
queryset to count or a count it already knows (My work's page counts its items itself); the
querysets of one page are counted together in one ``SELECT`` (:func:`badge_counts`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape

# A badge: the request in, a queryset to count (or a count already known) out.
type Badge = Callable[[HttpRequest], QuerySet[Any] | int]

BADGES: dict[str, Badge] = {}


def register_badge(name: str, badge: Badge) -> None:
    """Called from an ``AppConfig.ready()``; registering a name again replaces it."""
    BADGES[name] = badge


@dataclass(frozen=True)
class Link:
    """One link of the navigation: shown to a user holding any of ``perms`` (to staff, when
    ``staff``); its ``badge`` (a name in :data:`BADGES`) only with ``badge_perm`` too."""

    url: str  # URL name
    label: str
    perms: tuple[str, ...] = ()
    id: str = ""
    badge: str = ""
    badge_perm: str = ""
    staff: bool = False


LINKS: tuple[Link, ...] = (
    Link("work_queues:mine", "My work", ("work_queues.view_workitem",), "nav-my-work", "my_work"),
    Link("work_queues:office", "Office work", ("work_queues.assign_workitem",), "nav-office-work"),
    Link("accounts:search", "Find account", ("accounts.view_account",)),
    Link("dashboard", "Dashboard", ("common.view_operations_dashboard",), "nav-dashboard"),
    Link("accounts:open", "Open account", ("accounts.add_account",)),
    Link("payments:index", "Counter", ("payments.take_payment",)),
    Link("payments:void_queue", "Voids", ("payments.void_payment",), "nav-voids", "voids"),
    Link("payments:closeout", "Closeout", ("payments.run_closeout",)),
    Link("payments:batches", "Mail and lockbox", ("payments.view_remittancebatch",)),
    Link("payments:reports", "Cash reports", ("payments.view_cash_reports",)),
    Link(
        "adjustments:index",
        "Adjustments",
        ("adjustments.add_adjustmentrequest", "adjustments.view_adjustmentrequest"),
    ),
    Link("collections:aging_list", "Collections", ("collections.view_agingrun",)),
    Link(
        "adjustments:refunds",
        "Refunds",
        ("adjustments.view_refund",),
        "nav-refunds",
        "refunds",
        badge_perm="adjustments.approve_refund",
    ),
    Link("service_orders:board", "Dispatch", ("service_orders.dispatch_serviceorder",)),
    Link(
        "service_orders:mine", "My orders", ("service_orders.work_serviceorder",), "nav-my-orders"
    ),
    Link("billing:rates", "Billing", ("billing.view_rateschedule",)),
    Link("role_changes", "Role changes", ("common.view_rolechange",)),
    Link("admin:index", "Administration", staff=True),
)
_PERMS = tuple(sorted({p for link in LINKS for p in (*link.perms, link.badge_perm) if p}))
_INDENT = "\n      "  # as the template laid the links out, one a line

# The pieces of the navigation per answer to "which of _PERMS, staff?" (and URL prefix):
# strings, and between them the names of the badges to print. Few keys (one per role mix).
_built: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
_MAX_KEPT = 256


def topnav_html(request: HttpRequest) -> str:
    """The links inside ``<nav class="topnav">`` for ``request.user``, with their badges."""
    user: Any = request.user
    held = frozenset(perm for perm in _PERMS if user.has_perm(perm))
    key = (held, bool(user.is_staff), get_script_prefix(), get_urlconf())
    pieces = _built.get(key)
    if pieces is None:
        if len(_built) >= _MAX_KEPT:
            _built.clear()
        pieces = _built[key] = _build(held, staff=bool(user.is_staff))
    texts, badges = pieces
    counts = badge_counts(request, badges)
    out = [texts[0]]
    for name, text in zip(badges, texts[1:], strict=True):
        if counts[name]:
            out.append(f' <span class="badge">{counts[name]}</span>')
        out.append(text)
    return "".join(out)


def _build(held: frozenset[str], *, staff: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    texts, badges, current = [], [], []
    for link in LINKS:
        current.append(_INDENT)
        shown = staff if link.staff else any(perm in held for perm in link.perms)
        if not shown:
            continue
        id_attr = f' id="{link.id}"' if link.id else ""
        current.append(f'<a href="{escape(reverse(link.url))}"{id_attr}>{escape(link.label)}')
        if link.badge and (not link.badge_perm or link.badge_perm in held):
            texts.append("".join(current))
            badges.append(link.badge)
            current = []
        current.append("</a>")
    texts.append("".join(current))
    return tuple(texts), tuple(badges)


def badge_counts(request: HttpRequest, names: tuple[str, ...]) -> dict[str, int]:
    """Each named badge's count: the querysets all counted in one statement."""
    counts: dict[str, int] = {}
    queries: list[tuple[str, QuerySet[Any]]] = []
    parts: list[str] = []
    params: list[Any] = []
    for name in names:
        found = BADGES[name](request) if name in BADGES else 0
        if isinstance(found, int):
            counts[name] = found
            continue
        try:
            sql, query_params = found.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. ``kind__in=[]``: nothing can match
            counts[name] = 0
            continue
        queries.append((name, found))
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(query_params)
    if queries:
        with connections[queries[0][1].db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        counts.update((name, int(n)) for (name, _qs), n in zip(queries, row, strict=True))
    return counts
