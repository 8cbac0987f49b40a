"""PostgreSQL keeps meter reads append-only: UPDATE and DELETE are refused, so a
correction is always a new read naming the one it corrects (and why). TRUNCATE is
left to the database roles (DESIGN section 5: the application's role cannot
truncate), as for the ledger, so that test databases can still be flushed."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION billing_read_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'meter reads are append-only: % refused; record a correcting read instead',
        TG_OP USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER billing_meterread_append_only
    BEFORE UPDATE OR DELETE ON billing_meterread
    FOR EACH ROW EXECUTE FUNCTION billing_read_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS billing_meterread_append_only ON billing_meterread;
DROP FUNCTION IF EXISTS billing_read_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
