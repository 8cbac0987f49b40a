"""Open amounts by service kept current by PostgreSQL, so nothing sums an account's history.

* ``ledger_accountopen`` holds, per customer account and service (NULL for
  unapplied credit), the sum of its lines; filled here from the journal;
* a statement-level trigger adds every INSERT's customer lines to it (one
  grouped upsert per statement, however many lines), in the same transaction,
  even while the other triggers are switched off (ENABLE ALWAYS);
* nothing else may insert, change or delete its rows (a row trigger refuses
  any write not made by that trigger), so it always equals the journal;
* the commit-time balance check compares ``Account.balance`` with the sum of
  the account's few open rows instead of summing every entry it ever had.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = r"""
INSERT INTO ledger_accountopen (account_id, service_id, amount)
SELECT account_id, service_id, sum(amount) FROM ledger_journalentry
WHERE account_id IS NOT NULL GROUP BY account_id, service_id;

CREATE FUNCTION ledger_open_amounts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_accountopen AS o (account_id, service_id, amount)
    SELECT account_id, service_id, sum(amount) FROM new_entries
    WHERE account_id IS NOT NULL GROUP BY account_id, service_id
    ON CONFLICT (account_id, service_id) DO UPDATE SET amount = o.amount + EXCLUDED.amount;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_open_amounts_add
    AFTER INSERT ON ledger_journalentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_open_amounts_add();
-- Derived rows follow the journal even while checks are switched off
-- (session_replication_role = replica, as a repair session or verify_ledger's
-- tests do). A full pg_dump restore creates triggers after loading data; a
-- logical-replication subscriber derives this table and must not subscribe to it.
ALTER TABLE ledger_journalentry ENABLE ALWAYS TRIGGER ledger_open_amounts_add;

CREATE FUNCTION ledger_open_amounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'open amounts are kept by the ledger from journal entries: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER ledger_open_amounts_guard
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_accountopen
    FOR EACH ROW EXECUTE FUNCTION ledger_open_amounts_guard();

CREATE OR REPLACE FUNCTION ledger_check_account_balance(acct bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE cached numeric; summed numeric;
BEGIN
    SELECT balance INTO cached FROM accounts_account WHERE id = acct;
    SELECT coalesce(sum(amount), 0) INTO summed FROM ledger_accountopen WHERE account_id = acct;
    IF cached IS DISTINCT FROM summed THEN
        RAISE EXCEPTION 'account % balance % does not equal the sum of its entries %',
            acct, cached, summed USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END $$;
"""

BACKWARD = r"""
CREATE OR REPLACE FUNCTION ledger_check_account_balance(acct bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE cached numeric; summed numeric;
BEGIN
    SELECT balance INTO cached FROM accounts_account WHERE id = acct;
    SELECT coalesce(sum(amount), 0) INTO summed FROM ledger_journalentry WHERE account_id = acct;
    IF cached IS DISTINCT FROM summed THEN
        RAISE EXCEPTION 'account % balance % does not equal the sum of its entries %',
            acct, cached, summed USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END $$;
DROP TRIGGER IF EXISTS ledger_open_amounts_guard ON ledger_accountopen;
DROP TRIGGER IF EXISTS ledger_open_amounts_add ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_open_amounts_guard();
DROP FUNCTION IF EXISTS ledger_open_amounts_add();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_fold_search_documents"),
        ("ledger", "0009_deposits_held"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountOpen",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=14)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="open_amounts",
                        to="accounts.account",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.service",
                    ),
                ),
            ],
            options={
                "verbose_name": "open amount",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "service"),
                        name="account_open_one_row_per_service",
                        nulls_distinct=False,
                        violation_error_message="One open amount per account and service.",
                    )
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
