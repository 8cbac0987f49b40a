"""Guard the kept open amounts once per statement, not once per row.

A bill run's chunk upserts tens of thousands of open-amount rows in one
statement; the row-level guard of migration 0010 ran a PL/pgSQL call for each.
The rule is unchanged: only the ledger's own trigger (nested, depth >= 2) may
write the table.
"""

from django.db import migrations

FORWARD = r"""
DROP TRIGGER ledger_open_amounts_guard ON ledger_accountopen;
CREATE OR REPLACE FUNCTION ledger_open_amounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') OR pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'open amounts are kept by the ledger from journal entries: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_open_amounts_guard
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_accountopen
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_open_amounts_guard();
"""

BACKWARD = r"""
DROP TRIGGER ledger_open_amounts_guard ON ledger_accountopen;
CREATE OR REPLACE FUNCTION ledger_open_amounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_checks_once_per_commit")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
