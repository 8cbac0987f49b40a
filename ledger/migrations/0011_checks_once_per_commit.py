"""The ledger's checks run once per commit, set-based, instead of once per row.

PostgreSQL has no deferrable statement-level triggers, so:

* statement-level triggers (with transition tables) note what a statement
  touched: an account whose balance or deposit held changed goes into the
  unlogged ``ledger_commit_account``; the journal transactions of this database
  transaction are found at commit by ``posted_txid`` (indexed now);
* the first such statement of a database transaction also inserts its row into
  the unlogged ``ledger_commit_marker``, whose one deferred constraint trigger
  runs every check at commit, for everything the transaction touched, in three
  set-based queries: each journal transaction sums to zero and has two or more
  lines; each touched account's balance equals the sum of its few kept open
  amounts (migration 0010: old balance plus this transaction's entries, never
  its whole history); each touched deposit held equals its deposit lines.
  Then it removes its own rows.
* the entry checks that need no commit (an entry may only be added by the
  database transaction that posted its journal row; deposits-held lines name
  a deposit account and only they do) run once per INSERT statement.

The messages are the ones the row triggers raised, so callers and tests see
the same refusals. Row triggers that stay: append-only and open-business-day
(BEFORE, they must see each row), the business-day guards.
"""

from django.db import migrations, models

FORWARD = r"""
CREATE UNLOGGED TABLE ledger_commit_marker (txid bigint PRIMARY KEY);
CREATE UNLOGGED TABLE ledger_commit_account (
    txid bigint NOT NULL, account_id bigint NOT NULL, what char(1) NOT NULL
);
CREATE INDEX ledger_commit_account_txid ON ledger_commit_account (txid);

CREATE FUNCTION ledger_mark_commit_check() RETURNS void LANGUAGE sql AS $$
    INSERT INTO ledger_commit_marker (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION ledger_transactions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_mark_commit_check();
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_transactions_inserted
    AFTER INSERT ON ledger_journaltransaction
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_transactions_inserted();

CREATE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad bigint;
BEGIN
    SELECT e.transaction_id INTO bad FROM new_entries e
        LEFT JOIN ledger_journaltransaction t ON t.id = e.transaction_id
        WHERE t.posted_txid IS DISTINCT FROM txid_current()
        ORDER BY e.transaction_id LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'entries can only be added while their transaction % is being posted',
            bad USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM new_entries e JOIN ledger_glaccount g ON g.id = e.gl_account_id
               WHERE (g.role = 'deposits_held') IS DISTINCT FROM (e.deposit_account_id IS NOT NULL))
    THEN
        RAISE EXCEPTION 'a line on the deposits-held GL account names the account it holds for, '
            'and only such lines do' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_inserted
    AFTER INSERT ON ledger_journalentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_inserted();

CREATE FUNCTION ledger_account_balances_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ledger_commit_account (txid, account_id, what)
        SELECT txid_current(), n.id, 'b' FROM new_accounts n WHERE n.balance <> 0;
    ELSE
        INSERT INTO ledger_commit_account (txid, account_id, what)
        SELECT txid_current(), n.id, 'b' FROM new_accounts n JOIN old_accounts o ON o.id = n.id
        WHERE n.balance IS DISTINCT FROM o.balance;
    END IF;
    IF FOUND THEN
        PERFORM ledger_mark_commit_check();
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_account_balances_inserted
    AFTER INSERT ON accounts_account
    REFERENCING NEW TABLE AS new_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_account_balances_changed();
CREATE TRIGGER ledger_account_balances_updated
    AFTER UPDATE ON accounts_account
    REFERENCING OLD TABLE AS old_accounts NEW TABLE AS new_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_account_balances_changed();

CREATE FUNCTION ledger_deposits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_commit_account (txid, account_id, what)
    SELECT txid_current(), n.account_id, 'd' FROM new_deposits n;
    IF FOUND THEN
        PERFORM ledger_mark_commit_check();
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_deposits_inserted
    AFTER INSERT ON ledger_depositheld
    REFERENCING NEW TABLE AS new_deposits
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_deposits_changed();
CREATE TRIGGER ledger_deposits_updated
    AFTER UPDATE ON ledger_depositheld
    REFERENCING NEW TABLE AS new_deposits
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_deposits_changed();

CREATE FUNCTION ledger_commit_checks() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE CONSTRAINT TRIGGER ledger_commit_checks
    AFTER INSERT ON ledger_commit_marker
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_commit_checks();

DROP TRIGGER ledger_transaction_balanced ON ledger_journaltransaction;
DROP TRIGGER ledger_entry_account_balance ON ledger_journalentry;
DROP TRIGGER ledger_account_balance ON accounts_account;
DROP TRIGGER ledger_entry_same_posting ON ledger_journalentry;
DROP TRIGGER ledger_entry_deposit_held ON ledger_journalentry;
DROP TRIGGER ledger_deposit_held_matches ON ledger_depositheld;
DROP TRIGGER ledger_entry_deposit_gl ON ledger_journalentry;
"""

BACKWARD = r"""
CREATE CONSTRAINT TRIGGER ledger_transaction_balanced
    AFTER INSERT ON ledger_journaltransaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_balance();
CREATE CONSTRAINT TRIGGER ledger_entry_account_balance
    AFTER INSERT ON ledger_journalentry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.account_id IS NOT NULL) EXECUTE FUNCTION ledger_entry_balance_check();
CREATE CONSTRAINT TRIGGER ledger_account_balance
    AFTER INSERT OR UPDATE OF balance ON accounts_account DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_account_balance_check();
CREATE TRIGGER ledger_entry_same_posting
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_same_posting();
CREATE CONSTRAINT TRIGGER ledger_entry_deposit_held
    AFTER INSERT ON ledger_journalentry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.deposit_account_id IS NOT NULL)
    EXECUTE FUNCTION ledger_entry_deposit_check();
CREATE CONSTRAINT TRIGGER ledger_deposit_held_matches
    AFTER INSERT OR UPDATE ON ledger_depositheld DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_deposit_row_check();
CREATE TRIGGER ledger_entry_deposit_gl
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_deposit_gl();

DROP TRIGGER IF EXISTS ledger_commit_checks ON ledger_commit_marker;
DROP TRIGGER IF EXISTS ledger_deposits_updated ON ledger_depositheld;
DROP TRIGGER IF EXISTS ledger_deposits_inserted ON ledger_depositheld;
DROP TRIGGER IF EXISTS ledger_account_balances_updated ON accounts_account;
DROP TRIGGER IF EXISTS ledger_account_balances_inserted ON accounts_account;
DROP TRIGGER IF EXISTS ledger_entries_inserted ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_transactions_inserted ON ledger_journaltransaction;
DROP FUNCTION IF EXISTS ledger_commit_checks();
DROP FUNCTION IF EXISTS ledger_deposits_changed();
DROP FUNCTION IF EXISTS ledger_account_balances_changed();
DROP FUNCTION IF EXISTS ledger_entries_inserted();
DROP FUNCTION IF EXISTS ledger_transactions_inserted();
DROP FUNCTION IF EXISTS ledger_mark_commit_check();
DROP TABLE IF EXISTS ledger_commit_account;
DROP TABLE IF EXISTS ledger_commit_marker;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0010_open_amounts_kept")]

    operations = [
        migrations.AlterField(
            model_name="journaltransaction",
            name="posted_txid",
            field=models.BigIntegerField(db_index=True, editable=False, null=True),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
