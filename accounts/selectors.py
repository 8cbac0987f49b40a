"""Reads of customer accounts: search as you type, the account page, timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from .models import STATUS_RANK, Account, AccountFlag, Customer

MAX_QUERY_CHARS = 100
MAX_TOKENS = 6


def search_tokens(text: str) -> list[str]:
    """Lower-cased words of the query; punctuation inside phone numbers is dropped."""
    cleaned = text[:MAX_QUERY_CHARS].lower()
    tokens = []
    for raw in cleaned.split():
        token = re.sub(r"(?<=\d)[-().](?=\d)", "", raw).strip("()")
        if token:
            tokens.append(token)
    return tokens[:MAX_TOKENS]


def search_accounts(text: str, *, limit: int = 20) -> list[Account]:
    """Accounts whose number, name, service address or phone contain every word typed.

    A number typed or scanned is looked up first as an account-number prefix
    (btree index; an exact number sorts first). Then every word is a substring
    match on ``search_document`` (trigram GIN index), ordered by status rank
    and number, which ``account_rank_number_idx`` serves in order, so a common
    word stops after ``limit`` rows instead of sorting every match.
    """
    tokens = search_tokens(text)
    if not tokens:
        return []
    base = Account.objects.select_related("customer", "premise")
    found: list[Account] = []
    if len(tokens) == 1 and tokens[0].isdigit():
        found = list(base.filter(number__startswith=tokens[0]).order_by("number")[:limit])
    if len(found) < limit:
        qs = base
        for token in tokens:
            qs = qs.filter(search_document__contains=token)
        if found:
            qs = qs.exclude(pk__in=[account.pk for account in found])
        ranked = qs.alias(status_rank=STATUS_RANK).order_by("status_rank", "number")
        found += list(ranked[: limit - len(found)])
    return found


def account_by_number(text: str) -> Account | None:
    number = text.strip()
    if not number.isdigit():
        return None
    return Account.objects.filter(number=number).first()


def account_for_page(pk: int) -> Account:
    return Account.objects.select_related(
        "customer", "premise", "master__customer", "opened_by"
    ).get(pk=pk)


def flags_in_force(account: Account, *, today: date) -> list[AccountFlag]:
    return [f for f in account.flags.select_related("set_by") if f.is_in_force(today)]


@dataclass(frozen=True)
class HistoryRow:
    when: object
    who: str
    what: str
    why: str


def account_history(account: Account, *, limit: int = 100) -> list[HistoryRow]:
    """Who changed what on the account (and its flags), and why, newest first."""
    rows: list[HistoryRow] = []
    records = list(
        account.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    for newer, older in zip(records, [*records[1:], None], strict=False):
        rows.append(
            HistoryRow(
                newer.history_date,
                _who(newer),
                _diff(newer, older),
                newer.history_change_reason or "",
            )
        )
    flag_history = AccountFlag.history.filter(account_id=account.pk).select_related("history_user")
    for rec in flag_history.order_by("-history_date")[:limit]:
        rows.append(
            HistoryRow(
                rec.history_date,
                _who(rec),
                f"Flag {rec.get_kind_display()}",
                rec.history_change_reason or "",
            )
        )
    rows.extend(_customer_rows(account, limit=limit))
    rows.sort(key=lambda r: r.when, reverse=True)  # type: ignore[arg-type, return-value]
    return rows[:limit]


def _customer_rows(account: Account, *, limit: int) -> list[HistoryRow]:
    """Changes to the account holder's contact details, with the reason given."""
    records = list(
        Customer.history.filter(id=account.customer_id)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    return [
        HistoryRow(
            newer.history_date,
            _who(newer),
            "Customer created" if older is None else f"Customer: {_diff(newer, older)}",
            newer.history_change_reason or "",
        )
        for newer, older in zip(records, [*records[1:], None], strict=False)
    ]


def _who(record: object) -> str:
    user = getattr(record, "history_user", None)
    return user.get_username() if user else "system"


_LABELS = {
    "balance": "Balance",
    "status": "Status",
    "master": "Master account",
    "is_master": "Master",
    "account_class": "Class",
    "end_date": "End date",
    "start_date": "Start date",
}


def _diff(newer: object, older: object | None) -> str:
    """Changed fields between two history rows (compared directly: simple-history's
    diff_against skips non-editable fields such as the balance)."""
    if older is None:
        return "Created"
    parts = []
    for field in newer.instance_type._meta.fields:  # type: ignore[attr-defined]
        if field.name in ("id", "search_document", "created_at") or field.name.endswith(
            "_currency"
        ):
            continue
        old, new = getattr(older, field.attname, None), getattr(newer, field.attname, None)
        if old != new:
            label = _LABELS.get(field.name, str(field.verbose_name).capitalize())
            parts.append(f"{label}: {_show(old)} → {_show(new)}")
    return "; ".join(parts) or "No field changes"


def _show(value: object) -> str:
    return "—" if value in (None, "") else str(value)


def sub_accounts(account: Account) -> QuerySet[Account]:
    return account.sub_accounts.select_related("customer", "premise").order_by("number")
