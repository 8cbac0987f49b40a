"""Journal lines' references checked once per INSERT statement, not by foreign keys.

Django's foreign keys are ``DEFERRABLE INITIALLY DEFERRED``: at COMMIT PostgreSQL
runs one ``SELECT 1 ... FOR KEY SHARE`` per row and key. A bill run's chunk of
10,000 four-service bills made about 340,000 of them, most of its COMMIT; a
single payment about 20. The lines' references (transaction, GL account,
customer account, service, deposit account) and the open amounts' (which come
only from lines) are now checked by the ledger's statement trigger
``ledger_entries_inserted``, set-based over the statement's new rows:

* each distinct referenced GL account, service and customer account must exist;
  they are locked ``FOR KEY SHARE`` in the same query, as a foreign key locks
  them, so a concurrent DELETE waits for this transaction and then sees its lines;
* the transaction reference was already checked there (a line may only be added
  by the database transaction that posted its journal row, which therefore exists,
  and journal rows are never deleted);
* deleting (or renumbering) a GL account, service or customer account that a
  journal line names is refused by a row trigger on that table, with the foreign
  key's error code (``23503``), as the constraint refused it.

Limits, as for any check written in PL/pgSQL: ``TRUNCATE`` of a referenced table
alone is not refused (the constraint refused it unless the journal was truncated
with it), and a DELETE in a REPEATABLE READ transaction started before a
concurrent posting committed does not see that posting's lines (the application
runs in READ COMMITTED). ``session_replication_role = replica`` switches these
checks off exactly as it switched off the foreign keys' triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = r"""
CREATE FUNCTION ledger_references_exist(tab text, what text, ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE held bigint; missing bigint;
BEGIN
    IF ids IS NULL THEN
        RETURN;
    END IF;
    CASE tab
        WHEN 'ledger_glaccount' THEN
            SELECT count(*) INTO held FROM (
                SELECT 1 FROM ledger_glaccount WHERE id = ANY(ids) FOR KEY SHARE) x;
        WHEN 'ledger_service' THEN
            SELECT count(*) INTO held FROM (
                SELECT 1 FROM ledger_service WHERE id = ANY(ids) FOR KEY SHARE) x;
        WHEN 'accounts_account' THEN
            SELECT count(*) INTO held FROM (
                SELECT 1 FROM accounts_account WHERE id = ANY(ids) FOR KEY SHARE) x;
    END CASE;
    IF held < cardinality(ids) THEN
        EXECUTE format('SELECT min(v.id) FROM unnest($1) AS v(id) WHERE NOT EXISTS '
                       '(SELECT 1 FROM %I t WHERE t.id = v.id)', tab) INTO missing USING ids;
        RAISE EXCEPTION 'a journal line names % %, which does not exist', what, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad bigint; ids bigint[];
BEGIN
    SELECT e.transaction_id INTO bad FROM new_entries e
        LEFT JOIN ledger_journaltransaction t ON t.id = e.transaction_id
        WHERE t.posted_txid IS DISTINCT FROM txid_current()
        ORDER BY e.transaction_id LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'entries can only be added while their transaction % is being posted',
            bad USING ERRCODE = 'integrity_constraint_violation';
    END IF;

    -- Each kind of reference as one array, then one index lookup of the array that
    -- locks what it finds (a parameter, so the plan is an index scan whatever size
    -- the first statement of a session had: no plan made on an empty table sticks).
    SELECT array_agg(DISTINCT gl_account_id) INTO ids FROM new_entries;
    PERFORM ledger_references_exist('ledger_glaccount', 'GL account', ids);
    SELECT array_agg(DISTINCT service_id) INTO ids FROM new_entries WHERE service_id IS NOT NULL;
    PERFORM ledger_references_exist('ledger_service', 'service', ids);
    SELECT array_agg(DISTINCT x.id) INTO ids FROM (
        SELECT account_id AS id FROM new_entries WHERE account_id IS NOT NULL
        UNION ALL
        SELECT deposit_account_id FROM new_entries WHERE deposit_account_id IS NOT NULL
    ) x;
    PERFORM ledger_references_exist('accounts_account', 'customer account', ids);

    IF EXISTS (SELECT 1 FROM new_entries e JOIN ledger_glaccount g ON g.id = e.gl_account_id
               WHERE (g.role = 'deposits_held') IS DISTINCT FROM (e.deposit_account_id IS NOT NULL))
    THEN
        RAISE EXCEPTION 'a line on the deposits-held GL account names the account it holds for, '
            'and only such lines do' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_referenced_by_journal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE named boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    named := CASE TG_TABLE_NAME
        WHEN 'accounts_account' THEN
            EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.account_id = OLD.id)
            OR EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.deposit_account_id = OLD.id)
        WHEN 'ledger_glaccount' THEN
            EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.gl_account_id = OLD.id)
        WHEN 'ledger_service' THEN
            EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.service_id = OLD.id)
    END;
    IF named THEN
        RAISE EXCEPTION '% row % is named by journal lines: % refused', TG_TABLE_NAME, OLD.id, TG_OP
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER ledger_referenced_by_journal
    BEFORE DELETE OR UPDATE OF id ON accounts_account
    FOR EACH ROW EXECUTE FUNCTION ledger_referenced_by_journal();
CREATE TRIGGER ledger_referenced_by_journal
    BEFORE DELETE OR UPDATE OF id ON ledger_glaccount
    FOR EACH ROW EXECUTE FUNCTION ledger_referenced_by_journal();
CREATE TRIGGER ledger_referenced_by_journal
    BEFORE DELETE OR UPDATE OF id ON ledger_service
    FOR EACH ROW EXECUTE FUNCTION ledger_referenced_by_journal();
"""

# Back to the foreign keys (the AlterFields re-create them); the trigger as in 0011.
BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_referenced_by_journal ON ledger_service;
DROP TRIGGER IF EXISTS ledger_referenced_by_journal ON ledger_glaccount;
DROP TRIGGER IF EXISTS ledger_referenced_by_journal ON accounts_account;
DROP FUNCTION IF EXISTS ledger_referenced_by_journal();
DROP FUNCTION IF EXISTS ledger_references_exist(text, text, bigint[]);
CREATE OR REPLACE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_fold_search_documents"),
        ("ledger", "0017_fewer_entry_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accountopen",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="open_amounts",
                to="accounts.account",
            ),
        ),
        migrations.AlterField(
            model_name="accountopen",
            name="service",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.service",
            ),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="account",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="accounts.account",
            ),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="deposit_account",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deposit_entries",
                to="accounts.account",
            ),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="gl_account",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="ledger.glaccount",
            ),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="service",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.service",
            ),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="transaction",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="ledger.journaltransaction",
            ),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
