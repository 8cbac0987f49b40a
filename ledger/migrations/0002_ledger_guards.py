"""PostgreSQL itself guards the ledger, so the rules hold even outside the ORM.

* journal transactions and entries are append-only (UPDATE/DELETE refused);
* a transaction's entries sum to zero and there are at least two (checked at commit);
* a transaction can only be dated into an open business day, and entries can
  only be added by the database transaction that created their journal row;
* a closed business day stays closed;
* each customer account's cached balance equals the sum of its entries (at commit).
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused; post a reversing transaction instead',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER ledger_transaction_append_only
    BEFORE UPDATE OR DELETE ON ledger_journaltransaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- A transaction may only be dated into the open business day. KEY SHARE on the
-- day row makes a concurrent closeout (SELECT ... FOR UPDATE) wait for us, and
-- us wait for it, so nothing slips into a day as it closes.
CREATE FUNCTION ledger_transaction_open_day() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE day_status text;
BEGIN
    SELECT status INTO day_status FROM ledger_businessday
        WHERE date = NEW.business_date FOR KEY SHARE;
    IF day_status IS DISTINCT FROM 'open' THEN
        RAISE EXCEPTION 'business day % is not open (%): nothing can be posted into it',
            NEW.business_date, coalesce(day_status, 'never opened')
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    NEW.posted_txid := txid_current();
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_transaction_open_day
    BEFORE INSERT ON ledger_journaltransaction
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_open_day();

CREATE FUNCTION ledger_entry_same_posting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT posted_txid FROM ledger_journaltransaction WHERE id = NEW.transaction_id)
            IS DISTINCT FROM txid_current() THEN
        RAISE EXCEPTION 'entries can only be added while their transaction % is being posted',
            NEW.transaction_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_entry_same_posting
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_same_posting();

CREATE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE total numeric; lines integer;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, lines
        FROM ledger_journalentry WHERE transaction_id = NEW.id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'transaction % is unbalanced: its entries sum to %', NEW.id, total
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF lines < 2 THEN
        RAISE EXCEPTION 'transaction % needs at least two entries, has %', NEW.id, lines
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_transaction_balanced
    AFTER INSERT ON ledger_journaltransaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_balance();

CREATE FUNCTION ledger_business_day_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'business days are never deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'closed' OR NEW.date <> OLD.date THEN
        RAISE EXCEPTION 'business day % is closed and cannot be changed', OLD.date
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_business_day_guard
    BEFORE UPDATE OR DELETE ON ledger_businessday
    FOR EACH ROW EXECUTE FUNCTION ledger_business_day_guard();

-- Balance = sum of the account's entries, checked at commit from both sides.
CREATE FUNCTION ledger_check_account_balance(acct bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE cached numeric; summed numeric;
BEGIN
    SELECT balance INTO cached FROM accounts_account WHERE id = acct;
    SELECT coalesce(sum(amount), 0) INTO summed FROM ledger_journalentry WHERE account_id = acct;
    IF cached IS DISTINCT FROM summed THEN
        RAISE EXCEPTION 'account % balance % does not equal the sum of its entries %',
            acct, cached, summed USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END $$;
CREATE FUNCTION ledger_entry_balance_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_account_balance(NEW.account_id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entry_account_balance
    AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.account_id IS NOT NULL)
    EXECUTE FUNCTION ledger_entry_balance_check();
CREATE FUNCTION ledger_account_balance_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_account_balance(NEW.id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_account_balance
    AFTER INSERT OR UPDATE OF balance ON accounts_account
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_account_balance_check();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_account_balance ON accounts_account;
DROP TRIGGER IF EXISTS ledger_entry_account_balance ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_business_day_guard ON ledger_businessday;
DROP TRIGGER IF EXISTS ledger_transaction_balanced ON ledger_journaltransaction;
DROP TRIGGER IF EXISTS ledger_entry_same_posting ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_transaction_open_day ON ledger_journaltransaction;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_transaction_append_only ON ledger_journaltransaction;
DROP FUNCTION IF EXISTS ledger_account_balance_check();
DROP FUNCTION IF EXISTS ledger_entry_balance_check();
DROP FUNCTION IF EXISTS ledger_check_account_balance(bigint);
DROP FUNCTION IF EXISTS ledger_business_day_guard();
DROP FUNCTION IF EXISTS ledger_entries_balance();
DROP FUNCTION IF EXISTS ledger_entry_same_posting();
DROP FUNCTION IF EXISTS ledger_transaction_open_day();
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("accounts", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
