"""The commit-time check reads this transaction's journal lines once, and skips what it did not touch.

``ledger_commit_checks`` (migration 0011) ran three set-based queries at every
COMMIT, the second and third each joining this database transaction's journal
rows to their lines again, and the deposits-held query ran even when no line
named a deposit: about 0.55 ms of a single payment's 2 ms of server time
(``pg_stat_user_functions``, docs/bench.md). Now the lines are read once into
the touched customer and deposit accounts (with the sums per transaction in the
same pass), the balance check looks those accounts up by key, and the
deposits-held check runs only when a deposit line or deposit row was touched.
The rules and their messages are unchanged (``tests/ledger/test_database_guards.py``
and ``tests/ledger/test_rewrite_guards.py`` try each with raw SQL).
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_commit_checks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t bigint := NEW.txid; bad record; owed bigint[]; held bigint[];
BEGIN
    SELECT tr.id, coalesce(sum(e.amount), 0) AS total, count(e.id) AS lines INTO bad
    FROM ledger_journaltransaction tr
    LEFT JOIN ledger_journalentry e ON e.transaction_id = tr.id
    WHERE tr.posted_txid = t
    GROUP BY tr.id
    HAVING coalesce(sum(e.amount), 0) <> 0 OR count(e.id) < 2
    ORDER BY tr.id LIMIT 1;
    IF FOUND THEN
        IF bad.total <> 0 THEN
            RAISE EXCEPTION 'transaction % is unbalanced: its entries sum to %', bad.id, bad.total
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RAISE EXCEPTION 'transaction % needs at least two entries, has %', bad.id, bad.lines
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;

    SELECT array_agg(DISTINCT x.account_id) FILTER (WHERE x.what = 'b'),
           array_agg(DISTINCT x.account_id) FILTER (WHERE x.what = 'd')
    INTO owed, held
    FROM (
        SELECT e.account_id, 'b' AS what FROM ledger_journaltransaction tr
        JOIN ledger_journalentry e ON e.transaction_id = tr.id
        WHERE tr.posted_txid = t AND e.account_id IS NOT NULL
        UNION ALL
        SELECT e.deposit_account_id, 'd' FROM ledger_journaltransaction tr
        JOIN ledger_journalentry e ON e.transaction_id = tr.id
        WHERE tr.posted_txid = t AND e.deposit_account_id IS NOT NULL
        UNION ALL
        SELECT c.account_id, c.what FROM ledger_commit_account c WHERE c.txid = t
    ) x;

    IF owed IS NOT NULL THEN
        SELECT a.id, a.balance, coalesce(k.total, 0) AS summed INTO bad
        FROM accounts_account a
        LEFT JOIN LATERAL (
            SELECT sum(o.amount) AS total FROM ledger_accountopen o WHERE o.account_id = a.id
        ) k ON true
        WHERE a.id = ANY(owed) AND a.balance IS DISTINCT FROM coalesce(k.total, 0)
        ORDER BY a.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'account % balance % does not equal the sum of its entries %',
                bad.id, bad.balance, bad.summed USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;

    IF held IS NOT NULL THEN
        SELECT x.id AS account_id, coalesce(d.amount, 0) AS cached,
               coalesce(l.total, 0) AS summed INTO bad
        FROM unnest(held) AS x(id)
        LEFT JOIN ledger_depositheld d ON d.account_id = x.id
        LEFT JOIN LATERAL (
            SELECT -sum(e.amount) AS total FROM ledger_journalentry e
            WHERE e.deposit_account_id = x.id
        ) l ON true
        WHERE coalesce(d.amount, 0) <> coalesce(l.total, 0)
        ORDER BY x.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'account % deposit held % does not equal its deposit lines %',
                bad.account_id, bad.cached, bad.summed
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;

    DELETE FROM ledger_commit_account WHERE txid = t;
    DELETE FROM ledger_commit_marker WHERE txid = t;
    RETURN NULL;
END $$;
"""

# The function as migration 0011 wrote it.
BACKWARD = r"""
CREATE OR REPLACE FUNCTION ledger_commit_checks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t bigint := NEW.txid; bad record;
BEGIN
    SELECT tr.id, coalesce(sum(e.amount), 0) AS total, count(e.id) AS lines INTO bad
    FROM ledger_journaltransaction tr
    LEFT JOIN ledger_journalentry e ON e.transaction_id = tr.id
    WHERE tr.posted_txid = t
    GROUP BY tr.id
    HAVING coalesce(sum(e.amount), 0) <> 0 OR count(e.id) < 2
    ORDER BY tr.id LIMIT 1;
    IF FOUND THEN
        IF bad.total <> 0 THEN
            RAISE EXCEPTION 'transaction % is unbalanced: its entries sum to %', bad.id, bad.total
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RAISE EXCEPTION 'transaction % needs at least two entries, has %', bad.id, bad.lines
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;

    WITH touched AS (
        SELECT e.account_id FROM ledger_journaltransaction tr
        JOIN ledger_journalentry e ON e.transaction_id = tr.id
        WHERE tr.posted_txid = t AND e.account_id IS NOT NULL
        UNION
        SELECT account_id FROM ledger_commit_account WHERE txid = t AND what = 'b'
    ), kept AS (
        SELECT o.account_id, sum(o.amount) AS total FROM ledger_accountopen o
        WHERE o.account_id IN (SELECT account_id FROM touched) GROUP BY o.account_id
    )
    SELECT a.id, a.balance, coalesce(k.total, 0) AS summed INTO bad
    FROM touched x
    JOIN accounts_account a ON a.id = x.account_id
    LEFT JOIN kept k ON k.account_id = a.id
    WHERE a.balance IS DISTINCT FROM coalesce(k.total, 0)
    ORDER BY a.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'account % balance % does not equal the sum of its entries %',
            bad.id, bad.balance, bad.summed USING ERRCODE = 'integrity_constraint_violation';
    END IF;

    WITH touched AS (
        SELECT e.deposit_account_id AS account_id FROM ledger_journaltransaction tr
        JOIN ledger_journalentry e ON e.transaction_id = tr.id
        WHERE tr.posted_txid = t AND e.deposit_account_id IS NOT NULL
        UNION
        SELECT account_id FROM ledger_commit_account WHERE txid = t AND what = 'd'
    ), lines AS (
        SELECT e.deposit_account_id AS account_id, -sum(e.amount) AS total
        FROM ledger_journalentry e
        WHERE e.deposit_account_id IN (SELECT account_id FROM touched)
        GROUP BY e.deposit_account_id
    )
    SELECT x.account_id, coalesce(d.amount, 0) AS cached, coalesce(l.total, 0) AS summed INTO bad
    FROM touched x
    LEFT JOIN ledger_depositheld d ON d.account_id = x.account_id
    LEFT JOIN lines l ON l.account_id = x.account_id
    WHERE coalesce(d.amount, 0) <> coalesce(l.total, 0)
    ORDER BY x.account_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'account % deposit held % does not equal its deposit lines %',
            bad.account_id, bad.cached, bad.summed
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;

    DELETE FROM ledger_commit_account WHERE txid = t;
    DELETE FROM ledger_commit_marker WHERE txid = t;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0018_journal_references_checked_per_statement")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
