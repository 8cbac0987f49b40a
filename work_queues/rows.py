"""The rows of a list of work items as HTML, built in Python.

"My work" and the office page show a page of ``selectors.PER_PAGE`` items, read with
``values()`` (dicts, no model objects). Through the template engine each row cost about a
millisecond (dozens of variable look-ups, a URL resolved per link, a CSRF tag per form).
Here each row is one ``format_html`` (every value escaped), URLs come from a pattern
resolved once (``kinds.url_of``), and the CSRF token and the forms' one-time tokens are
made once per page (``Forms``), not per row. The table around the rows stays in
``templates/work_queues/partials/_items.html``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from accounts.choices import CustomerKind

from .choices import Priority
from .kinds import KINDS, label_of, url_of

ASSIGNEE_NONE = "Nobody"
PRIORITY = dict(Priority.choices)
ORGANISATION = CustomerKind.ORGANISATION.value


def assignee_of(row: dict[str, Any]) -> str:
    if row["assigned_user_id"]:
        full = f"{row['assigned_user__first_name']} {row['assigned_user__last_name']}".strip()
        return full or row["assigned_user__username"]
    if row["assigned_group_id"]:
        return f"{row['assigned_group__name']} queue"
    return ASSIGNEE_NONE


def customer_of(row: dict[str, Any]) -> str:
    """``Customer.display_name`` from the row's columns."""
    if row["account__customer__kind"] == ORGANISATION:
        return str(row["account__customer__organisation_name"])
    last, first = row["account__customer__last_name"], row["account__customer__first_name"]
    return f"{last}, {first}".strip(", ")


@dataclass(frozen=True)
class Forms:
    """What the rows' forms share: the CSRF token, one one-time token per purpose for the
    page (a submission claims it bound to its item, so a double submit acts once), where
    "Mark done" comes back to, and the URL patterns resolved once."""

    csrf: str = ""
    take_token: str = ""
    done_token: str = ""
    next_path: str = ""


def _hidden(csrf: str, token: str) -> SafeString:
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="token" value="{}">',
        csrf,
        token,
    )


def _actions(row: dict[str, Any], forms: Forms, kinds: Mapping[str, Any]) -> SafeString:
    parts = []
    kind = kinds.get(row["kind"])
    if row["assigned_group_id"] and forms.take_token:
        parts.append(
            format_html(
                '<form method="post" action="{}" class="inline">{}'
                '<button type="submit">Take it</button></form>',
                url_of("work_queues:take", row["pk"]),
                _hidden(forms.csrf, forms.take_token),
            )
        )
    if kind is not None and kind.manual_close and forms.done_token:
        parts.append(
            format_html(
                '<form method="post" action="{}" class="inline">{}'
                '<input type="hidden" name="next" value="{}">'
                '<button type="submit">Mark done</button></form> <a href="{}">Cancel…</a>',
                url_of("work_queues:done", row["pk"]),
                _hidden(forms.csrf, forms.done_token),
                forms.next_path,
                url_of("work_queues:cancel", row["pk"]),
            )
        )
    return format_html("<td>{}</td>", mark_safe(" ".join(parts)))  # noqa: S308 (escaped above)


def _row(
    row: dict[str, Any],
    *,
    today: dt.date,
    pick: bool,
    ticked: set[int],
    forms: Forms | None,
    kinds: Mapping[str, Any],
) -> str:
    pk, due_on = row["pk"], row["due_on"]
    overdue = due_on is not None and due_on < today
    kind = kinds.get(row["kind"])
    label = label_of(row["kind"])
    page = kind.url(row["source_key"] or "", row["account_id"]) if kind else ""
    what = format_html('<a href="{}" class="work-open">{}</a>', page, label) if page else label
    account = (
        format_html(
            '<a href="{}" class="acct-no">{}</a> {}',
            url_of("accounts:detail", row["account_id"]),
            row["account__number"],
            customer_of(row),
        )
        if row["account_id"]
        else ""
    )
    box = (
        format_html(
            '<td><input type="checkbox" name="items" value="{}" id="pick-{}" form="assign-form"'
            '{} aria-label="Pick item {}"></td>',
            pk,
            pk,
            mark_safe(" checked") if pk in ticked else "",
            pk,
        )
        if pick
        else ""
    )
    return format_html(
        '<tr data-item="{}" data-kind="{}"{}>{}<td>{}{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="note-text">{}</td><td>{}{}</td>{}</tr>',
        pk,
        row["kind"],
        mark_safe(' class="overdue"') if overdue else "",
        box,
        due_on.strftime("%b %-d") if due_on else "—",
        mark_safe(' <span class="badge">Overdue</span>') if overdue else "",
        PRIORITY.get(row["priority"], row["priority"]),
        what,
        account,
        row["why"],
        assignee_of(row),
        mark_safe(' <span class="muted">(in progress)</span>')
        if row["status"] == "in_progress"
        else "",
        _actions(row, forms, kinds) if forms is not None else "",
    )


def item_rows(
    rows: Iterable[dict[str, Any]],
    *,
    today: dt.date,
    forms: Forms | None = None,
    pick: bool = False,
    ticked: set[int] | None = None,
) -> SafeString:
    """The rows of a page (``selectors.Page.rows``); ``forms`` adds "Take it" / "Mark done"."""
    chosen = ticked or set()
    return format_html_join(
        "\n",
        "{}",
        ((_row(r, today=today, pick=pick, ticked=chosen, forms=forms, kinds=KINDS),) for r in rows),
    )
