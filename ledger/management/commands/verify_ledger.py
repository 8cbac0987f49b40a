"""Prove the ledger: balances, deposits held, balanced transactions, customer lines, history.

Each check is one set-based query, all read from one snapshot (REPEATABLE READ),
so the proof holds while the counter keeps posting and takes seconds on a full
ledger. Every discrepancy is printed on its own line, then a summary; the command
exits non-zero when there is any.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

Row = Sequence[Any]

# What each customer account's entries add up to, per transaction.
_MOVES = """
moves AS (
    SELECT transaction_id, account_id, sum(amount) AS total
    FROM ledger_journalentry WHERE account_id IS NOT NULL
    GROUP BY transaction_id, account_id
)"""

# The balance history of each account in order, with the transaction each row names.
_HISTORY = r"""
history AS (
    SELECT id AS account_id, history_id, balance, history_user_id AS user_id,
           lag(balance) OVER (PARTITION BY id ORDER BY history_id) AS previous,
           row_number() OVER (PARTITION BY id ORDER BY history_id DESC) AS newest,
           substring(history_change_reason FROM '^Transaction #([0-9]+) ')::bigint AS txn_id
    FROM accounts_historicalaccount
)"""

BALANCES = """
SELECT a.number, a.balance, coalesce(s.total, 0)
FROM accounts_account a
LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_journalentry
           WHERE account_id IS NOT NULL GROUP BY account_id) s ON s.account_id = a.id
WHERE a.balance <> coalesce(s.total, 0)
ORDER BY a.number"""

UNBALANCED = """
SELECT t.id, coalesce(sum(e.amount), 0), count(e.id)
FROM ledger_journaltransaction t
LEFT JOIN ledger_journalentry e ON e.transaction_id = t.id
GROUP BY t.id
HAVING coalesce(sum(e.amount), 0) <> 0 OR count(e.id) < 2
ORDER BY t.id"""

ZERO_LINES = """
SELECT id, transaction_id FROM ledger_journalentry WHERE amount = 0 ORDER BY id"""

CUSTOMER_LINES = """
SELECT e.id, e.transaction_id, g.code, g.role IN ('receivable', 'unapplied_credit'),
       e.account_id IS NOT NULL
FROM ledger_journalentry e
JOIN ledger_glaccount g ON g.id = e.gl_account_id
WHERE (g.role IN ('receivable', 'unapplied_credit')) <> (e.account_id IS NOT NULL)
   OR (g.role = 'receivable' AND e.service_id IS NULL)
ORDER BY e.id"""

NEWEST_HISTORY = f"""
WITH {_HISTORY}
SELECT a.number, a.balance, h.balance
FROM accounts_account a
LEFT JOIN history h ON h.account_id = a.id AND h.newest = 1
WHERE h.balance IS DISTINCT FROM a.balance
ORDER BY a.number"""

HISTORY_STEPS = f"""
WITH {_HISTORY}, {_MOVES}
SELECT a.number, h.history_id, h.txn_id, coalesce(h.previous, 0), h.balance, m.total
FROM history h
JOIN accounts_account a ON a.id = h.account_id
LEFT JOIN moves m ON m.transaction_id = h.txn_id AND m.account_id = h.account_id
WHERE h.balance - coalesce(h.previous, 0) <> coalesce(m.total, 0)
ORDER BY a.number, h.history_id"""

HISTORY_PER_MOVE = f"""
WITH {_HISTORY}, {_MOVES}
SELECT a.number, m.transaction_id, count(h.history_id), count(h.user_id)
FROM moves m
JOIN accounts_account a ON a.id = m.account_id
LEFT JOIN history h ON h.txn_id = m.transaction_id AND h.account_id = m.account_id
WHERE m.total <> 0
GROUP BY a.number, m.transaction_id
HAVING count(h.history_id) <> 1 OR count(h.user_id) <> count(h.history_id)
ORDER BY a.number, m.transaction_id"""

OPEN_AMOUNTS = """
SELECT a.number, s.code, coalesce(o.amount, 0), coalesce(e.total, 0)
FROM (SELECT account_id, service_id, sum(amount) AS total FROM ledger_journalentry
      WHERE account_id IS NOT NULL GROUP BY account_id, service_id) e
FULL JOIN ledger_accountopen o
       ON o.account_id = e.account_id AND o.service_id IS NOT DISTINCT FROM e.service_id
JOIN accounts_account a ON a.id = coalesce(e.account_id, o.account_id)
LEFT JOIN ledger_service s ON s.id = coalesce(e.service_id, o.service_id)
WHERE coalesce(o.amount, 0) <> coalesce(e.total, 0)
ORDER BY a.number, s.code"""

DEPOSITS = """
SELECT a.number, coalesce(d.amount, 0), coalesce(-s.total, 0)
FROM accounts_account a
LEFT JOIN ledger_depositheld d ON d.account_id = a.id
LEFT JOIN (SELECT deposit_account_id, sum(amount) AS total FROM ledger_journalentry
           WHERE deposit_account_id IS NOT NULL GROUP BY deposit_account_id) s
       ON s.deposit_account_id = a.id
WHERE coalesce(d.amount, 0) <> coalesce(-s.total, 0) OR coalesce(d.amount, 0) < 0
ORDER BY a.number"""

DEPOSIT_LINES = """
SELECT e.id, e.transaction_id, g.code, e.account_id IS NOT NULL
FROM ledger_journalentry e
JOIN ledger_glaccount g ON g.id = e.gl_account_id
WHERE (g.role = 'deposits_held') <> (e.deposit_account_id IS NOT NULL)
   OR (e.deposit_account_id IS NOT NULL AND e.account_id IS NOT NULL)
ORDER BY e.id"""

DEPOSIT_HISTORY_PER_MOVE = r"""
WITH moves AS (
    SELECT transaction_id, deposit_account_id AS account_id, sum(amount) AS total
    FROM ledger_journalentry WHERE deposit_account_id IS NOT NULL
    GROUP BY transaction_id, deposit_account_id
), history AS (
    SELECT account_id, history_id, history_user_id AS user_id,
           substring(history_change_reason FROM '^Transaction #([0-9]+) ')::bigint AS txn_id
    FROM ledger_historicaldepositheld
)
SELECT a.number, m.transaction_id, count(h.history_id), count(h.user_id)
FROM moves m
JOIN accounts_account a ON a.id = m.account_id
LEFT JOIN history h ON h.txn_id = m.transaction_id AND h.account_id = m.account_id
WHERE m.total <> 0
GROUP BY a.number, m.transaction_id
HAVING count(h.history_id) <> 1 OR count(h.user_id) <> count(h.history_id)
ORDER BY a.number, m.transaction_id"""

COUNTS = """
SELECT (SELECT count(*) FROM accounts_account), (SELECT count(*) FROM ledger_journaltransaction),
       (SELECT count(*) FROM ledger_journalentry), (SELECT count(*) FROM accounts_historicalaccount)
"""


def _balance(row: Row) -> str:
    number, cached, summed = row
    return f"account {number}: balance {cached} but its entries sum to {summed}"


def _unbalanced(row: Row) -> str:
    txn_id, total, lines = row
    if total != 0:
        return f"transaction #{txn_id}: its {lines} entries sum to {total}, not zero"
    return f"transaction #{txn_id}: has {lines} entries, needs at least two"


def _zero_line(row: Row) -> str:
    entry_id, txn_id = row
    return f"entry {entry_id} of transaction #{txn_id}: amount is zero"


def _customer_line(row: Row) -> str:
    entry_id, txn_id, gl_code, customer_gl, has_account = row
    where = f"entry {entry_id} of transaction #{txn_id} on GL {gl_code}"
    if customer_gl and not has_account:
        return f"{where}: a receivable or credit line without a customer account"
    if has_account and not customer_gl:
        return f"{where}: names a customer account but is not a receivable or credit line"
    return f"{where}: a receivable line without a service"


def _newest_history(row: Row) -> str:
    number, balance, newest = row
    if newest is None:
        return f"account {number}: balance {balance} but the account has no history rows"
    return f"account {number}: balance {balance} but its newest history row says {newest}"


def _history_step(row: Row) -> str:
    number, history_id, txn_id, before, after, moved = row
    where = f"account {number} history row {history_id}: balance {before} -> {after}"
    if txn_id is None:
        return f"{where} without naming a transaction"
    return f"{where} but transaction #{txn_id} moved it by {moved or Decimal('0.00')}"


def _history_rows(what: str) -> Callable[[Row], str]:
    """The message for a move (``what`` #id) without exactly one history row naming a user."""

    def message(row: Row) -> str:
        number, txn_id, rows, _with_user = row
        if rows != 1:
            return f"account {number}: {what} #{txn_id} has {rows} history rows, expected 1"
        return f"account {number}: {what} #{txn_id} history row has no acting user"

    return message


_history_per_move = _history_rows("transaction")
_deposit_history = _history_rows("deposit move")


def _open_amount(row: Row) -> str:
    number, code, kept, summed = row
    what = f"service {code}" if code else "unapplied credit"
    return f"account {number}: open {what} kept as {kept} but its entries sum to {summed}"


def _deposit(row: Row) -> str:
    number, cached, summed = row
    return f"account {number}: deposit held {cached} but its deposit lines hold {summed}"


def _deposit_line(row: Row) -> str:
    entry_id, txn_id, gl_code, owed_too = row
    where = f"entry {entry_id} of transaction #{txn_id} on GL {gl_code}"
    if owed_too:
        return f"{where}: names an account both as owing and as holding a deposit"
    return f"{where}: a deposits-held line must name, and only it may name, a deposit account"


CHECKS: list[tuple[str, Callable[[Row], str]]] = [
    (BALANCES, _balance),
    (UNBALANCED, _unbalanced),
    (ZERO_LINES, _zero_line),
    (CUSTOMER_LINES, _customer_line),
    (NEWEST_HISTORY, _newest_history),
    (HISTORY_STEPS, _history_step),
    (HISTORY_PER_MOVE, _history_per_move),
    (OPEN_AMOUNTS, _open_amount),
    (DEPOSITS, _deposit),
    (DEPOSIT_LINES, _deposit_line),
    (DEPOSIT_HISTORY_PER_MOVE, _deposit_history),
]


def find_discrepancies() -> Iterator[str]:
    """Every discrepancy in the ledger, one sentence each (call inside one transaction)."""
    with connection.cursor() as cursor:
        for sql, describe in CHECKS:
            cursor.execute(sql)
            for row in cursor.fetchall():
                yield describe(row)


class Command(BaseCommand):
    help = (
        "Check that every account balance equals the sum of its entries, every transaction "
        "sums to zero, customer lines name their account, and the balance history agrees."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        nested = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            if not nested:  # one snapshot for every check: postings made meanwhile look right
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            found = 0
            for line in find_discrepancies():
                found += 1
                self.stdout.write(line)
            cursor.execute(COUNTS)
            accounts, transactions, entries, history = cursor.fetchone()
        summary = (
            f"verify_ledger: {accounts} accounts, {transactions} transactions, {entries} entries, "
            f"{history} history rows checked: {found} discrepancies"
        )
        if found:
            self.stdout.write(summary)
            raise CommandError(f"The ledger has {found} discrepanc{'y' if found == 1 else 'ies'}.")
        self.stdout.write(self.style.SUCCESS(summary))


# -- the cash side -------------------------------------------------------------
# Raw SQL over the payments tables (no import of the payments app, which sits on a
# higher floor): every receipt's tenders add up to what it paid and to the cash
# its journal transaction took in, every void is reversed exactly once, and every
# closed drawer's over/short (and its journal transaction) follows from its count.

PAYMENT_TENDERS = """
WITH tenders AS (SELECT payment_id, sum(amount) AS total FROM payments_tender GROUP BY payment_id),
     lines AS (SELECT payment_id, sum(amount) AS total FROM payments_paymentline
               GROUP BY payment_id),
     cash AS (SELECT e.transaction_id, sum(e.amount) AS total
              FROM ledger_journalentry e JOIN ledger_glaccount g ON g.id = e.gl_account_id
              WHERE g.role = 'cash' GROUP BY e.transaction_id)
SELECT p.drawer_id, p.receipt_number, p.total, coalesce(t.total, 0), p.change_due,
       coalesce(l.total, 0), coalesce(c.total, 0)
FROM payments_payment p
LEFT JOIN tenders t ON t.payment_id = p.id
LEFT JOIN lines l ON l.payment_id = p.id
LEFT JOIN cash c ON c.transaction_id = p.transaction_id
WHERE coalesce(t.total, 0) <> p.tendered OR p.tendered - p.change_due <> p.total
   OR coalesce(l.total, 0) <> p.total OR coalesce(c.total, 0) <> p.total
ORDER BY p.drawer_id, p.receipt_number"""

VOID_REVERSALS = """
SELECT p.drawer_id, p.receipt_number, p.status, p.void_transaction_id, r.reversal_of_id,
       p.transaction_id
FROM payments_payment p
LEFT JOIN ledger_journaltransaction r ON r.id = p.void_transaction_id
WHERE (p.status = 'void') <> (p.void_transaction_id IS NOT NULL)
   OR r.reversal_of_id IS DISTINCT FROM
      (CASE WHEN p.void_transaction_id IS NULL THEN NULL ELSE p.transaction_id END)
ORDER BY p.drawer_id, p.receipt_number"""

DRAWER_COUNTS = """
WITH counted AS (
    SELECT p.drawer_id,
           sum(t.amount) FILTER (WHERE t.kind = 'cash') AS cash,
           sum(t.amount) FILTER (WHERE t.kind IN ('check', 'money_order')) AS checks
    FROM payments_payment p JOIN payments_tender t ON t.payment_id = p.id
    WHERE p.status IN ('posted', 'returned') GROUP BY p.drawer_id
), change AS (
    SELECT drawer_id, sum(change_due) AS total FROM payments_payment
    WHERE status IN ('posted', 'returned') GROUP BY drawer_id
), over_short AS (
    SELECT e.transaction_id, sum(e.amount) AS total
    FROM ledger_journalentry e JOIN ledger_glaccount g ON g.id = e.gl_account_id
    WHERE g.role = 'cash' GROUP BY e.transaction_id
), drawers AS (
    SELECT d.id, d.over_short,
           d.float_amount + coalesce(c.cash, 0) - coalesce(ch.total, 0) AS expected_cash,
           coalesce(c.checks, 0) AS expected_checks,
           (d.counted_cash - d.expected_cash)
           + ((SELECT coalesce(sum((k ->> 1)::numeric), 0)
               FROM jsonb_array_elements(d.counted_checks) k) - d.expected_checks) AS difference,
           d.expected_cash AS stored_cash, d.expected_checks AS stored_checks,
           d.over_short_transaction_id, o.total AS posted
    FROM payments_drawer d
    LEFT JOIN counted c ON c.drawer_id = d.id
    LEFT JOIN change ch ON ch.drawer_id = d.id
    LEFT JOIN over_short o ON o.transaction_id = d.over_short_transaction_id
    WHERE d.status = 'closed'
)
SELECT id, over_short, difference, expected_cash, stored_cash, expected_checks, stored_checks,
       over_short_transaction_id, posted
FROM drawers
WHERE over_short IS DISTINCT FROM difference
   OR expected_cash IS DISTINCT FROM stored_cash OR expected_checks IS DISTINCT FROM stored_checks
   OR (over_short <> 0) <> (over_short_transaction_id IS NOT NULL)
   OR (over_short_transaction_id IS NOT NULL AND posted IS DISTINCT FROM over_short)
ORDER BY id"""


def _receipt(drawer_id: int, number: int) -> str:
    return f"receipt {drawer_id}-{number:05d}"


def _payment_tenders(row: Row) -> str:
    drawer_id, number, total, tendered, change, lines, cash = row
    return (
        f"{_receipt(drawer_id, number)}: paid {total} but its tenders sum to {tendered} "
        f"(change {change}), its lines to {lines}, and its journal took {cash} into cash"
    )


def _void_reversal(row: Row) -> str:
    drawer_id, number, status, void_txn, reverses, txn = row
    where = _receipt(drawer_id, number)
    if status == "void" and void_txn is None:
        return f"{where}: void without a reversal"
    if status != "void" and void_txn is not None:
        return f"{where}: {status} but names reversal #{void_txn}"
    return f"{where}: its reversal #{void_txn} reverses #{reverses}, not its transaction #{txn}"


def _drawer_count(row: Row) -> str:
    drawer_id, over_short, difference, exp_cash, st_cash, exp_checks, st_checks, txn, posted = row
    where = f"drawer {drawer_id}"
    if (exp_cash, exp_checks) != (st_cash, st_checks):
        return (
            f"{where}: expected cash {st_cash} and checks {st_checks} at close, but its "
            f"receipts say {exp_cash} and {exp_checks}"
        )
    if over_short != difference:
        return f"{where}: over/short {over_short} but its count says {difference}"
    if txn is None:
        return f"{where}: over/short {over_short} with no over/short transaction"
    return f"{where}: over/short {over_short} but transaction #{txn} moved cash by {posted}"


CHECKS.extend(
    [
        (PAYMENT_TENDERS, _payment_tenders),
        (VOID_REVERSALS, _void_reversal),
        (DRAWER_COUNTS, _drawer_count),
    ]
)
