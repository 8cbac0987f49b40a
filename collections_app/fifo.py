"""First in, first out: which charges an account's open amount is made of, as of a date.

Worked rule. As of day D, only journal transactions dated on or before D count (the
journal is append-only, so the answer for a past D never changes). Per account and
service, the open amount O is the sum of its receivable lines. The ledger keeps every
service out of credit (its "resting shape"), so O >= 0. Payments pay the oldest charges
first, so O is made of the *newest* charges: walking the service's charges (positive
lines of charges and fees, not reversals or credit moves) from newest to oldest, each
takes ``min(its amount, what is left of O)``. Whatever is left after the oldest charge
on file (history moved in from elsewhere) counts as older than everything.

A charge's age is counted from its bill date when a bill posted it (``billing.Bill``),
else from its business date (fees, adjustments). Age in days = D - that date.

Example: water charges of $40 (bill of Aug 1), $45 (Sep 1), $50 (Oct 1), $60 paid on
Oct 10. As of Oct 31 O = $75: $50 from Oct 1 (30 days: current), $25 of Sep 1 (60 days:
31-60), nothing of Aug 1.

One SQL statement does it for a range of accounts (window sum over the charges, newest
first): explain-this-balance runs it for one account. The aging task needs only the sums
per age bucket and runs ``bucket_parts_sql`` chunk by chunk: the same rule, from the
ledger's kept open amounts and the charges younger than the last limit (tests compare
the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from billing.models import Bill, BillRun
from ledger.choices import GLRole, TransactionKind
from ledger.models import AccountOpen, GLAccount, JournalEntry, JournalTransaction

NOT_CHARGES = (TransactionKind.CREDIT_APPLICATION, TransactionKind.REVERSAL)


def _tables() -> dict[str, str]:
    return {
        "entry": JournalEntry._meta.db_table,
        "txn": JournalTransaction._meta.db_table,
        "bill": Bill._meta.db_table,
        "run": BillRun._meta.db_table,
    }


def charge_parts_sql(where: str) -> str:
    """SELECT account_id, service_id, txn_id, charge_date, amount, open_part per charge
    (txn_id NULL: the part older than every charge on file). ``where`` filters entries
    (alias e) and takes the %(as_of)s parameter besides its own."""
    t = _tables()
    return f"""
    WITH lines AS (
      SELECT e.account_id, e.service_id, e.id AS entry_id, e.transaction_id AS txn_id,
             e.amount, t.kind, COALESCE(r.bill_date, t.business_date) AS charge_date
      FROM {t["entry"]} e
      JOIN {t["txn"]} t ON t.id = e.transaction_id
      LEFT JOIN {t["bill"]} b ON b.transaction_id = t.id
      LEFT JOIN {t["run"]} r ON r.id = b.run_id
      WHERE e.service_id IS NOT NULL AND t.business_date <= %(as_of)s AND ({where})
    ),
    open AS (
      SELECT account_id, service_id, SUM(amount) AS open_amount
      FROM lines GROUP BY account_id, service_id HAVING SUM(amount) > 0
    ),
    charges AS (
      SELECT l.account_id, l.service_id, l.txn_id, l.charge_date, l.amount, o.open_amount,
             SUM(l.amount) OVER (
               PARTITION BY l.account_id, l.service_id
               ORDER BY l.charge_date DESC, l.entry_id DESC
             ) AS newer_and_this
      FROM lines l JOIN open o USING (account_id, service_id)
      WHERE l.amount > 0 AND l.kind NOT IN ('{NOT_CHARGES[0]}', '{NOT_CHARGES[1]}')
    ),
    parts AS (
      SELECT account_id, service_id, txn_id, charge_date, amount,
             LEAST(amount, open_amount - (newer_and_this - amount)) AS open_part
      FROM charges WHERE open_amount - (newer_and_this - amount) > 0
      UNION ALL
      SELECT o.account_id, o.service_id, NULL, NULL, NULL,
             o.open_amount - COALESCE(c.charged, 0)
      FROM open o LEFT JOIN (
        SELECT account_id, service_id, SUM(amount) AS charged FROM charges
        GROUP BY account_id, service_id
      ) c USING (account_id, service_id)
      WHERE o.open_amount > COALESCE(c.charged, 0)
    )
    """


def bucket_sql(
    limits: list[int], *, as_of: str = "%(as_of)s::date", charge_date: str = "charge_date"
) -> str:
    """The bucket index of ``parts.charge_date`` (NULL date: the last, oldest bucket), aged
    as of ``as_of`` (the parameter, or ``"as_of"``: the column of a many-dates ``parts``);
    ``charge_date`` may be another expression of the date."""
    thresholds = ",".join(str(int(limit) + 1) for limit in limits) or "100000"
    return (
        f"CASE WHEN {charge_date} IS NULL THEN {len(limits)} "
        f"ELSE width_bucket({as_of} - {charge_date}, ARRAY[{thresholds}]) END"
    )


def bucket_parts_sql(where: str, limits: list[int]) -> str:
    """SELECT account_id, service_id, bucket, amount: per account and service the open
    amount in each age bucket of ``limits`` as of %(as_of)s (only buckets with something
    open): the sums of ``charge_parts_sql``'s parts per bucket. ``where`` filters by
    ``e.account_id`` (applied to the entries and to the kept open amounts, both alias e).

    The same rule without walking every charge:

    * a bucket is a range of charge dates and newest first is youngest bucket first, so
      what is open of bucket k is ``min(charged in k, max(0, O - charged in the younger
      buckets))``, O the open amount; the oldest bucket takes all that is left,
      ``max(0, O - charged in the younger buckets)`` (its own charges and the part older
      than every charge alike), so charges older than the last limit are never read;
    * O as of the day is the ledger's kept open amount (``ledger_accountopen``, always
      the sum of the journal's lines per account and service) less the lines dated after
      the day: no reading of the whole history;
    * the younger charges are the lines of transactions dated within the last limit of
      the day, or of bills dated within it (a bill's date may be before or after its
      posting), found by the business-date and bill-run indexes."""
    t = _tables()
    kept = AccountOpen._meta.db_table
    last = len(limits)
    oldest = int(limits[-1])  # charge dates older than the day less this: the last bucket
    bucket = bucket_sql(limits, charge_date="COALESCE(r.bill_date, t.business_date)")
    charged = ",\n             ".join(
        f"SUM(e.amount) FILTER (WHERE {bucket} = {k}) AS c{k}" for k in range(last)
    )
    younger = ["0"] + [
        " + ".join(f"COALESCE(c.c{j}, 0)" for j in range(k + 1)) for k in range(last)
    ]
    rows = (
        ", ".join(
            f"({k}, LEAST(COALESCE(c.c{k}, 0), GREATEST(o.open_amount - ({younger[k]}), 0)))"
            for k in range(last)
        )
        + f", ({last}, GREATEST(o.open_amount - ({younger[last]}), 0))"
    )
    return f"""
    WITH later AS (
      SELECT e.account_id, e.service_id, SUM(e.amount) AS amount
      FROM {t["txn"]} t JOIN {t["entry"]} e ON e.transaction_id = t.id
      WHERE t.business_date > %(as_of)s AND e.service_id IS NOT NULL AND ({where})
      GROUP BY e.account_id, e.service_id
    ),
    open AS (
      SELECT account_id, service_id, COALESCE(k.amount, 0) - COALESCE(l.amount, 0) AS open_amount
      FROM (SELECT e.account_id, e.service_id, e.amount FROM {kept} e
            WHERE e.service_id IS NOT NULL AND ({where})) k
      FULL JOIN later l USING (account_id, service_id)
      WHERE COALESCE(k.amount, 0) - COALESCE(l.amount, 0) > 0
    ),
    recent AS (
      SELECT t.id, t.business_date FROM {t["txn"]} t
      WHERE t.business_date BETWEEN %(as_of)s::date - {oldest} AND %(as_of)s
        AND t.kind NOT IN ('{NOT_CHARGES[0]}', '{NOT_CHARGES[1]}')
      UNION
      SELECT t.id, t.business_date FROM {t["run"]} r
      JOIN {t["bill"]} b ON b.run_id = r.id
      JOIN {t["txn"]} t ON t.id = b.transaction_id
      WHERE r.bill_date >= %(as_of)s::date - {oldest} AND t.business_date <= %(as_of)s
        AND t.kind NOT IN ('{NOT_CHARGES[0]}', '{NOT_CHARGES[1]}')
    ),
    charged AS (
      SELECT e.account_id, e.service_id,
             {charged}
      FROM recent t
      JOIN {t["entry"]} e ON e.transaction_id = t.id
      LEFT JOIN {t["bill"]} b ON b.transaction_id = t.id
      LEFT JOIN {t["run"]} r ON r.id = b.run_id
      WHERE e.service_id IS NOT NULL AND e.amount > 0 AND ({where})
      GROUP BY e.account_id, e.service_id
    )
    SELECT o.account_id, o.service_id, p.bucket, p.amount
    FROM open o LEFT JOIN charged c USING (account_id, service_id)
    CROSS JOIN LATERAL (VALUES {rows}) AS p(bucket, amount)
    WHERE p.amount > 0
    """


def buckets_at_dates_sql(limits: list[int]) -> str:
    """SELECT as_of, bucket, amount: the open receivables (unapplied credit apart, as in an
    aging) of every account in each bucket as of each date of %(dates)s (month-ends of
    consecutive months, the collections dashboard's), in one statement.

    The same rule as ``charge_parts_sql``, for every date at once: an entry counts toward
    every month-end on or after its business date. The open amounts are summed from each
    account and service's net per month (not from every entry once per month-end), and
    only the charges are walked per month-end, newest first; about twice as fast as
    running ``charge_parts_sql`` over every date, with the same result (tests compare it
    with aging runs as of those dates)."""
    t = _tables()
    return f"""
    WITH d AS (SELECT as_of FROM unnest(%(dates)s::date[]) AS u(as_of)),
    lines AS (
      SELECT e.account_id, e.service_id, e.id AS entry_id, e.amount, t.kind, t.business_date,
             COALESCE(r.bill_date, t.business_date) AS charge_date
      FROM {t["entry"]} e
      JOIN {t["txn"]} t ON t.id = e.transaction_id
      LEFT JOIN {t["bill"]} b ON b.transaction_id = t.id
      LEFT JOIN {t["run"]} r ON r.id = b.run_id
      WHERE e.service_id IS NOT NULL AND t.business_date <= (SELECT max(as_of) FROM d)
    ),
    net AS (
      SELECT account_id, service_id, SUM(amount) AS amount,
             GREATEST((SELECT min(as_of) FROM d),
                      (date_trunc('month', business_date) + interval '1 month - 1 day')::date)
               AS from_date
      FROM lines GROUP BY account_id, service_id, from_date
    ),
    open AS (
      SELECT d.as_of, n.account_id, n.service_id, SUM(n.amount) AS open_amount
      FROM net n JOIN d ON d.as_of >= n.from_date
      GROUP BY d.as_of, n.account_id, n.service_id HAVING SUM(n.amount) > 0
    ),
    charges AS (
      SELECT d.as_of, l.account_id, l.service_id, l.charge_date, l.amount, o.open_amount,
             SUM(l.amount) OVER (
               PARTITION BY d.as_of, l.account_id, l.service_id
               ORDER BY l.charge_date DESC, l.entry_id DESC
             ) AS newer_and_this
      FROM lines l JOIN d ON d.as_of >= l.business_date
      JOIN open o ON o.as_of = d.as_of AND o.account_id = l.account_id
                 AND o.service_id = l.service_id
      WHERE l.amount > 0 AND l.kind NOT IN ('{NOT_CHARGES[0]}', '{NOT_CHARGES[1]}')
    ),
    parts AS (
      SELECT as_of, charge_date, LEAST(amount, open_amount - (newer_and_this - amount)) AS open_part
      FROM charges WHERE open_amount - (newer_and_this - amount) > 0
      UNION ALL
      SELECT o.as_of, NULL, o.open_amount - COALESCE(c.charged, 0)
      FROM open o LEFT JOIN (
        SELECT as_of, account_id, service_id, SUM(amount) AS charged FROM charges
        GROUP BY as_of, account_id, service_id
      ) c USING (as_of, account_id, service_id)
      WHERE o.open_amount > COALESCE(c.charged, 0)
    )
    SELECT as_of, {bucket_sql(limits, as_of="as_of")} AS bucket, SUM(open_part)
    FROM parts GROUP BY 1, 2 ORDER BY 1, 2
    """


@dataclass(frozen=True)
class ChargePart:
    """What is still open of one charge: its transaction, date, amount and open part."""

    service_id: int
    transaction_id: int | None
    charge_date: date | None
    amount: Decimal | None
    open_part: Decimal


def account_charge_parts(account_ids: list[int], *, as_of: date) -> list[tuple[int, ChargePart]]:
    """Every open charge part of these accounts as of ``as_of``, oldest first."""
    if not account_ids:
        return []
    sql = charge_parts_sql("e.account_id = ANY(%(ids)s)") + (
        " SELECT account_id, service_id, txn_id, charge_date, amount, open_part FROM parts"
        " ORDER BY account_id, charge_date NULLS FIRST, txn_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"as_of": as_of, "ids": list(account_ids)})
        rows = cursor.fetchall()
    return [(row[0], ChargePart(*row[1:])) for row in rows]


def unapplied_sql() -> str:
    """Per account, the unapplied credit as of %(as_of)s (negative), for entries ``where``."""
    t = _tables()
    gl = GLAccount._meta.db_table
    return f"""
      SELECT e.account_id, SUM(e.amount) AS amount
      FROM {t["entry"]} e
      JOIN {t["txn"]} t ON t.id = e.transaction_id
      JOIN {gl} g ON g.id = e.gl_account_id
      WHERE g.role = '{GLRole.UNAPPLIED_CREDIT}' AND e.account_id IS NOT NULL
        AND t.business_date <= %(as_of)s AND ({{where}})
      GROUP BY e.account_id HAVING SUM(e.amount) <> 0
    """


def gl_balance(role: str, *, as_of: date) -> Decimal:
    """What the GL accounts of ``role`` hold as of ``as_of`` (every line, named or not)."""
    return gl_balances([role], as_of=as_of)[role]


def gl_balances(roles: list[str], *, as_of: date) -> dict[str, Decimal]:
    """What the GL accounts of each role hold as of ``as_of``, in one statement: every line
    of the role less the lines dated after ``as_of``. Reading every line needs no join to
    its transaction (the date), which was most of the cost; the later lines are the few
    transactions after that day (by the business-date index)."""
    t = _tables()
    gl = GLAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH every AS (
              SELECT g.role, SUM(e.amount) AS amount FROM {t["entry"]} e
              JOIN {gl} g ON g.id = e.gl_account_id
              WHERE g.role = ANY(%(roles)s) GROUP BY g.role
            ), later AS (
              SELECT g.role, SUM(e.amount) AS amount FROM {t["txn"]} t
              JOIN {t["entry"]} e ON e.transaction_id = t.id
              JOIN {gl} g ON g.id = e.gl_account_id
              WHERE t.business_date > %(as_of)s AND g.role = ANY(%(roles)s) GROUP BY g.role
            )
            SELECT every.role, every.amount - COALESCE(later.amount, 0)
            FROM every LEFT JOIN later USING (role)
            """,
            {"roles": list(roles), "as_of": as_of},
        )
        found = {role: Decimal(amount) for role, amount in cursor.fetchall()}
    return {role: found.get(role, Decimal(0)) for role in roles}
