"""Reads of customer accounts: search as you type, the account page, timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import QuerySet

from .choices import AccountStatus
from .models import STATUS_RANK, Account, AccountFlag, Customer
from .text import fold

MAX_QUERY_CHARS = 100
MAX_TOKENS = 6


def search_tokens(text: str) -> list[str]:
    """Folded words of the query (``accounts.text.fold``); punctuation inside phone
    numbers is dropped."""
    cleaned = fold(text[:MAX_QUERY_CHARS].replace("\x00", ""))  # PostgreSQL text holds no NUL
    tokens = []
    for raw in cleaned.split():
        token = re.sub(r"(?<=\d)[-().](?=\d)", "", raw).strip("()")
        if token:
            tokens.append(token)
    return tokens[:MAX_TOKENS]


# What a result row shows (search page, counter lookup, open-account finder).
RESULT_FIELDS = (
    "number",
    "status",
    "account_class",
    "balance",
    "balance_currency",
    "customer__kind",
    "customer__first_name",
    "customer__last_name",
    "customer__organisation_name",
    "customer__phone",
    "premise__line1",
    "premise__line2",
    "premise__city",
)
CANDIDATE_CAP = 1000  # matches ranked in a sort; more than this, the rank index is walked
_TRIGRAM = re.compile(r"[^\W_]{3}")  # what pg_trgm can look up in its index
_RANK_SQL = (
    f"CASE WHEN status = '{AccountStatus.ACTIVE}' THEN 0 WHEN status = '{AccountStatus.PENDING}'"
    f" THEN 1 WHEN status = '{AccountStatus.FINAL}' THEN 2 ELSE 3 END"
)


def search_accounts(text: str, *, limit: int = 20) -> list[Account]:
    """Accounts whose number, name, service address or phone contain every word typed.

    A number typed or scanned is looked up first as an account-number prefix
    (btree index; an exact number sorts first). Then every word is a substring
    match on ``search_document``, ranked by status (active first) and number.
    Only account ids are ranked; the customer and address of the 20 shown are
    read afterwards by primary key.

    Two plans, because the planner cannot tell from the words typed how many
    accounts match: (1) gather the matches through the trigram GIN index, at
    most ``CANDIDATE_CAP`` of them, and sort those; (2) when there are more (a
    common word), walk ``account_rank_number_idx`` in order and stop after
    ``limit`` matches, which is quick precisely because matches are dense.
    """
    tokens = search_tokens(text)
    if not tokens:
        return []
    ids: list[int] = []
    if len(tokens) == 1 and tokens[0].isascii() and tokens[0].isdigit():
        ids = _number_prefix_ids(tokens[0], limit)
    if len(ids) < limit:
        matching = Account.objects.all()
        for token in tokens:
            matching = matching.filter(search_document__contains=token)
        if ids:
            matching = matching.exclude(pk__in=ids)
        ids += _ranked_ids(matching, limit - len(ids), indexed=any(map(_TRIGRAM.search, tokens)))
    accounts = (
        Account.objects.select_related("customer", "premise").only(*RESULT_FIELDS).in_bulk(ids)
    )
    return [accounts[pk] for pk in ids if pk in accounts]


def _number_prefix_ids(prefix: str, limit: int) -> list[int]:
    """Accounts whose number starts with the digits typed, as a range on the number index.

    ``number LIKE 'p%' ORDER BY number`` would walk the whole index filtering;
    ``p <= number < p+1`` (numbers are all digits) reads only the matches.
    """
    numbers = Account.objects.filter(number__gte=prefix, number__startswith=prefix)
    if prefix.strip("9"):  # an all-nines prefix has no upper bound
        numbers = numbers.filter(number__lt=str(int(prefix) + 1).zfill(len(prefix)))
    return list(numbers.order_by("number").values_list("pk", flat=True)[:limit])


def _ranked_ids(matching: QuerySet[Account], limit: int, *, indexed: bool) -> list[int]:
    if not indexed:  # no three letters or digits in a row: the trigram index cannot narrow it
        return _walk_rank_index(matching, limit)
    # Unordered: an ORDER BY here would walk an index instead of the trigram bitmap.
    gathered = matching.order_by().values("id", "status", "number")[: CANDIDATE_CAP + 1]
    sql, params = gathered.query.sql_with_params()  # the ORM's own SQL, LIKE escaped
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH m AS MATERIALIZED ({sql}) "
            f"SELECT id, count(*) OVER () FROM m ORDER BY {_RANK_SQL}, number LIMIT %s",
            (*params, limit),
        )
        rows = cursor.fetchall()
    if not rows or rows[0][1] <= CANDIDATE_CAP:
        return [row[0] for row in rows]
    return _walk_rank_index(matching, limit)


def _walk_rank_index(matching: QuerySet[Account], limit: int) -> list[int]:
    ranked = matching.alias(status_rank=STATUS_RANK).order_by("status_rank", "number")
    return list(ranked.values_list("pk", flat=True)[:limit])


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
