"""Reads of customer accounts: search as you type, the account page, timeline."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from django.db import ProgrammingError, connection
from django.db.models import QuerySet, TextChoices
from djmoney.money import Money

from .choices import AccountClass, AccountStatus
from .models import Account, AccountFlag, Customer, Premise
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


# Search reads plain rows (no model instances, no djmoney manager): a keystroke
# is one statement in the common case. See search_accounts for the plans.
PROBE_ROWS = 1000  # rows of the rank index walked first: a common word is answered there
DENSE_MATCHES = 3  # matches among them that make walking on cheaper than gathering
# (the walk is an index-only scan, about 0.14 us a row; a gathered match costs a heap
# fetch, about 1.5 us: break-even near 0.3% of the rows matching)
WALK_ROWS = 10_000  # how far the walk goes on for such a word
LONG_WALK_ROWS = 20_000  # the walk for words the trigram index cannot narrow
CANDIDATE_CAP = 1000  # matches gathered through the trigram index and sorted
_TRIGRAM = re.compile(r"[^\W_]{3}")  # what pg_trgm can look up in its index
_RANK_SQL = (  # the expression of account_rank_number_idx (accounts.models.STATUS_RANK)
    f"CASE WHEN status = '{AccountStatus.ACTIVE}' THEN 0 WHEN status = '{AccountStatus.PENDING}'"
    f" THEN 1 WHEN status = '{AccountStatus.FINAL}' THEN 2 ELSE 3 END"
)
# Parameters enter the statements as InitPlans (``(SELECT $1)``), so no plan
# depends on their values: the generic plan costs what a custom one does and
# PostgreSQL keeps it, instead of planning again at every EXECUTE (0.5-0.9 ms).
_NOT_IN = "<> ALL((SELECT %s::bigint[])::bigint[])"  # not among the ids already found
_ROW_COLUMNS = (
    "a.id, a.number, a.status, a.account_class, a.balance, a.balance_currency, c.id, c.kind,"
    " c.first_name, c.last_name, c.organisation_name, c.phone, p.id, p.line1, p.line2, p.city"
)
_ROW_JOINS = (  # from the ranked ids ``h`` to what a result row shows
    "JOIN accounts_account a ON a.id = h.id JOIN accounts_customer c ON c.id = a.customer_id"
    " JOIN accounts_premise p ON p.id = a.premise_id"
)


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """The account holder as a search result shows it."""

    pk: int
    kind: str
    first_name: str
    last_name: str
    organisation_name: str
    phone: str
    # The model's own rule, not a copy of it.
    display_name = property(Customer.display_name.fget)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PremiseRow:
    """The service address as a search result shows it."""

    pk: int
    line1: str
    line2: str
    city: str
    __str__ = Premise.__str__


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One search result: what the results list, the counter lookup and the
    open-account finder show, read without building model instances."""

    pk: int
    number: str
    status: str
    account_class: str
    balance: Money
    customer: CustomerRow
    premise: PremiseRow

    @property
    def customer_id(self) -> int:
        return self.customer.pk

    @property
    def premise_id(self) -> int:
        return self.premise.pk

    def get_status_display(self) -> str:
        return _label(AccountStatus, self.status)

    def get_account_class_display(self) -> str:
        return _label(AccountClass, self.account_class)


def _label(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _row(r: tuple[Any, ...]) -> AccountRow:
    return AccountRow(
        r[0], r[1], r[2], r[3], Money(r[4], r[5]), CustomerRow(*r[6:12]), PremiseRow(*r[12:16])
    )


def search_accounts(text: str, *, limit: int = 20) -> list[AccountRow]:
    """Accounts whose number, name, service address or phone contain every word typed.

    A number typed or scanned is looked up first as an account-number prefix
    (btree index; an exact number sorts first). Then every word is a substring
    match on ``search_document``, ranked by status (active first) and number.

    One statement answers almost every keystroke, because the planner cannot
    tell from the words how many accounts match, and walking the rank order
    (``account_rank_number_idx``, stopping at ``limit`` matches) is cheap
    exactly when matches are dense while gathering them through the trigram
    GIN index and sorting is cheap exactly when they are few: (1) walk the
    first ``PROBE_ROWS`` rows (a common word or a phone exchange ends there);
    (2) the matches found there estimate the density: with
    ``DENSE_MATCHES`` or more, walk on up to ``WALK_ROWS`` rows, with fewer
    gather at most ``CANDIDATE_CAP`` matches and sort them; (3) whichever of
    the two falls short, the other follows in the same statement. Only when
    both fall short (many matches, none near the top) does a longer walk
    follow, then a full sort. Words without three letters or digits
    in a row (``o'b``) cannot use the trigram index: they are tested with
    ``strpos`` (so the index is not scanned whole) and walked ``LONG_WALK_ROWS``.
    """
    tokens = search_tokens(text)
    if not tokens:
        return []
    found: list[AccountRow] = []
    if len(tokens) == 1 and tokens[0].isascii() and tokens[0].isdigit():
        found = _number_prefix_rows(tokens[0], limit)
    if len(found) < limit:
        found += _text_rows(tokens, limit - len(found), exclude=[r.pk for r in found])
    return found


def _number_prefix_rows(prefix: str, limit: int) -> list[AccountRow]:
    """Accounts whose number starts with the digits typed, as a range on the number index.

    ``number LIKE 'p%' ORDER BY number`` would walk the whole index filtering;
    ``p <= number < p+1`` (numbers are all digits) reads only the matches.
    """
    where = "number >= (SELECT %s::text) AND number LIKE (SELECT %s::text)"  # see _NOT_IN
    params = [prefix, f"{prefix}%"]
    if prefix.strip("9"):  # an all-nines prefix has no upper bound
        where += " AND number < (SELECT %s::text)"
        params.append(str(int(prefix) + 1).zfill(len(prefix)))
    hits = f"(SELECT id FROM accounts_account WHERE {where} ORDER BY number LIMIT {limit:d}) h"
    sql = f"SELECT {_ROW_COLUMNS} FROM {hits} {_ROW_JOINS} ORDER BY a.number"
    return [_row(r) for r in _query(sql, params)]


def _matches(tokens: list[str], alias: str) -> tuple[str, list[str]]:
    """Every word as a condition on ``search_document``: LIKE where the trigram index
    can narrow it, ``strpos`` (the same substring test) where it cannot."""
    conds, params = [], []
    for token in tokens:
        if _TRIGRAM.search(token):
            conds.append(f"{alias}.search_document LIKE (SELECT %s::text)")  # see _NOT_IN
            params.append(f"%{connection.ops.prep_for_like_query(token)}%")
        else:
            conds.append(f"strpos({alias}.search_document, (SELECT %s::text)) > 0")
            params.append(token)
    return " AND ".join(conds), params


def _text_rows(tokens: list[str], limit: int, *, exclude: list[int]) -> list[AccountRow]:
    if any(map(_TRIGRAM.search, tokens)):
        rows, complete = _probe_then_walk_or_gather(tokens, limit, exclude)
        if complete:
            return rows
    # Many matches, none near the top (or no trigram to gather by): walk further.
    rows, complete = _walk(tokens, limit, exclude, walk=LONG_WALK_ROWS)
    if complete:
        return rows
    where, params = _matches(tokens, "x")
    hits = (
        f"(SELECT id, {_RANK_SQL} AS rk, number FROM accounts_account x WHERE {where}"
        f" AND x.id {_NOT_IN} ORDER BY rk, number LIMIT {limit:d}) h"
    )
    sql = f"SELECT {_ROW_COLUMNS} FROM {hits} {_ROW_JOINS} ORDER BY h.rk, h.number"
    return [_row(r) for r in _query(sql, [*params, exclude])]


def _walked(
    name: str, tokens: list[str], limit: int, walk: int, when: str = ""
) -> tuple[str, list[Any]]:
    """A CTE: the first ``limit`` matches among the first ``walk`` rows in rank order
    (``account_rank_number_idx``), computed only if ``when`` holds (a one-time filter)."""
    where, params = _matches(tokens, "w")
    return (
        f"{name} AS MATERIALIZED (SELECT w.id, w.rk, w.number FROM (SELECT id,"
        f" search_document, {_RANK_SQL} AS rk, number FROM accounts_account"
        f" ORDER BY {_RANK_SQL}, number LIMIT {walk:d}) w"
        f" WHERE {when + ' AND ' if when else ''}{where} AND w.id {_NOT_IN}"
        f" LIMIT {limit:d})"
    ), params


def _complete(walked: str, limit: int, walk: int) -> str:
    """Whether a walk's matches are certainly the top ones: it found ``limit``, or
    it read the whole table."""
    return (
        f"(SELECT count(*) = {limit:d} FROM {walked})"
        f" OR NOT EXISTS (SELECT 1 FROM accounts_account OFFSET {walk:d})"
    )


def _answer(sql: str, params: list[Any], hits: str, complete: str) -> tuple[list[AccountRow], bool]:
    """The statement's result rows (joined to holder and address) and its ``complete`` flag;
    one row even without hits, so the flag always comes back."""
    sql += (
        f", hits AS ({hits}) SELECT {complete}, {_ROW_COLUMNS} FROM (SELECT 1) one"
        f" LEFT JOIN (hits h {_ROW_JOINS}) ON true ORDER BY h.rk, h.number"
    )
    result = _query(sql, params)
    return [_row(r[1:]) for r in result if r[1] is not None], bool(result[0][0])


def _walk(
    tokens: list[str], limit: int, exclude: list[int], *, walk: int
) -> tuple[list[AccountRow], bool]:
    """The first ``limit`` matches among the first ``walk`` rows in rank order, and
    whether they are certainly the top ``limit`` (one statement)."""
    walked, params = _walked("walked", tokens, limit, walk)
    sql = f"WITH {walked}, seen AS (SELECT {_complete('walked', limit, walk)} AS done)"
    hits = "SELECT id, rk, number FROM walked WHERE (SELECT done FROM seen)"
    return _answer(sql, [*params, exclude], hits, "(SELECT done FROM seen)")


def _probe_then_walk_or_gather(
    tokens: list[str], limit: int, exclude: list[int]
) -> tuple[list[AccountRow], bool]:
    """Rows by rank from one statement, and whether they are certainly the top ``limit``.

    ``probe``: the first ``limit`` matches among the first ``PROBE_ROWS`` rows in
    rank order, the answer when there are ``limit`` of them or the table is no
    longer (``probed.done``). Otherwise the probe's count tells which is
    cheaper, for there is no other cheap estimate of how many accounts match.
    Matches that dense (``DENSE_MATCHES`` or more, ``probed.dense``): walk on,
    up to ``WALK_ROWS`` rows (``walked``), where the ``limit``-th match is
    expected. Sparser: ``gathered`` up to ``CANDIDATE_CAP + 1`` matches
    through the trigram index, the answer when there are no more than the cap,
    and sort them. Gathered too when the walk fell short (matches dense near
    the top only), and walked after all (``rewalked``) when there were too
    many to gather. Each step runs only when needed (one-time filters), and at
    most one of the two walks runs.
    """
    probe_rows = min(PROBE_ROWS, WALK_ROWS)
    probe, probe_params = _walked("probe", tokens, limit, probe_rows)
    walk_on = "(SELECT NOT done AND dense FROM probed)"
    walked, walked_params = _walked("walked", tokens, limit, WALK_ROWS, walk_on)
    gather = "(SELECT NOT probed AND NOT walked FROM seen)"
    where, where_params = _matches(tokens, "g")
    rewalk = f"(SELECT NOT dense FROM probed) AND {gather} AND (SELECT NOT done FROM sorted)"
    rewalked, rewalked_params = _walked("rewalked", tokens, limit, WALK_ROWS, rewalk)
    sql = (
        f"WITH {probe}, probed AS (SELECT {_complete('probe', limit, probe_rows)} AS done,"
        f" (SELECT count(*) >= {DENSE_MATCHES:d} FROM probe) AS dense), {walked},"
        f" seen AS (SELECT (SELECT done FROM probed) AS probed, {walk_on}"
        f" AND ({_complete('walked', limit, WALK_ROWS)}) AS walked),"
        f" gathered AS MATERIALIZED (SELECT id, {_RANK_SQL} AS rk, number"
        f" FROM accounts_account g WHERE {gather}"
        f" AND {where} AND g.id {_NOT_IN} LIMIT {CANDIDATE_CAP + 1:d}),"
        f" sorted AS (SELECT {gather}"
        f" AND (SELECT count(*) <= {CANDIDATE_CAP:d} FROM gathered) AS done), {rewalked},"
        f" resorted AS (SELECT {rewalk} AND ({_complete('rewalked', limit, WALK_ROWS)}) AS done)"
    )
    params = [
        *probe_params,
        exclude,
        *walked_params,
        exclude,
        *where_params,
        exclude,
        *rewalked_params,
        exclude,
    ]
    hits = (
        "SELECT id, rk, number FROM probe WHERE (SELECT probed FROM seen)"
        " UNION ALL SELECT id, rk, number FROM walked WHERE (SELECT walked FROM seen)"
        " UNION ALL (SELECT id, rk, number FROM gathered WHERE (SELECT done FROM sorted)"
        f" ORDER BY rk, number LIMIT {limit:d})"
        " UNION ALL SELECT id, rk, number FROM rewalked WHERE (SELECT done FROM resorted)"
    )
    complete = (
        "(SELECT probed OR walked FROM seen) OR (SELECT done FROM sorted)"
        " OR (SELECT done FROM resorted)"
    )
    return _answer(sql, params, hits, complete)


# Prepared statements per database connection: {psycopg connection: {sql: name}}.
_prepared: WeakKeyDictionary[Any, set[str]] = WeakKeyDictionary()


def _query(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one search statement as a prepared statement of this database session.

    Planning these statements costs more than running them for most words
    typed (about 0.5 ms against 1), and a clerk's keystrokes repeat a dozen
    shapes, so each shape is prepared once per connection (``PREPARE``; the
    knobs are literals in the text, only the words and ids are parameters)
    and then only executed. A session that lost its statements (a pooler's
    ``DISCARD ALL``) gets them prepared again, outside a transaction block.
    """
    connection.ensure_connection()
    known = _prepared.setdefault(connection.connection, set())
    name = "account_search_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
    placeholders = ", ".join(["%s"] * len(params))
    with connection.cursor() as cursor:
        if name not in known:
            numbered = iter(range(1, len(params) + 1))
            cursor.execute(
                f"PREPARE {name} AS " + re.sub("%s", lambda _: f"${next(numbered)}", sql)
            )
            known.add(name)
        try:
            cursor.execute(
                f"EXECUTE {name}({placeholders})" if params else f"EXECUTE {name}", params
            )
        except ProgrammingError as error:
            if connection.in_atomic_block or "does not exist" not in str(error):
                raise
            known.clear()  # the session forgot them: prepare again
            return _query(sql, params)
        return cursor.fetchall()


def account_by_number(text: str, *, related: Sequence[str] = ()) -> Account | None:
    """The account numbered ``text`` (digits only), with ``related`` read in the same query."""
    number = text.strip()
    if not number.isdigit():
        return None
    return Account.objects.select_related(*related).filter(number=number).first()


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
    numbers = _account_numbers(records)
    for newer, older in zip(records, [*records[1:], None], strict=False):
        rows.append(
            HistoryRow(
                newer.history_date,
                _who(newer),
                _diff(newer, older, numbers),
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
    """The person by name (their username only when no name is on file)."""
    user = getattr(record, "history_user", None)
    if user is None:
        return "system"
    return str(user.get_full_name() or user.get_username())


def _account_numbers(records: list[Any]) -> dict[int, str]:
    """Account numbers for the master accounts the history rows name (one query)."""
    ids = {r.master_id for r in records if getattr(r, "master_id", None)}
    return dict(Account.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}


_LABELS = {
    "balance": "Balance",
    "status": "Status",
    "master": "Master account",
    "is_master": "Master",
    "account_class": "Class",
    "end_date": "End date",
    "start_date": "Start date",
}


def _diff(newer: object, older: object | None, numbers: dict[int, str] | None = None) -> str:
    """Changed fields between two history rows (compared directly: simple-history's
    diff_against skips non-editable fields such as the balance). A master account
    is shown by its number (``numbers``), never by its internal id."""
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
            if field.name == "master":
                shown = numbers or {}
                old, new = (shown.get(v, v) if v else v for v in (old, new))
            parts.append(f"{label}: {_show(old)} → {_show(new)}")
    return "; ".join(parts) or "No field changes"


def _show(value: object) -> str:
    return "—" if value in (None, "") else str(value)


def sub_accounts(account: Account) -> QuerySet[Account]:
    return account.sub_accounts.select_related("customer", "premise").order_by("number")
