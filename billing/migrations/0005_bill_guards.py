"""PostgreSQL keeps posted bills as they were posted: once a bill is posted its money
(previous balance, payments, adjustments, new charges, amount due), number, account
and journal link cannot change, it cannot go back to draft, and it cannot be deleted;
a posted bill's lines cannot change their money, service or journal entry, nor be
deleted. Corrections are a cancel (reversal) and a rebill. Also: posting a run is
granted to coordinators and supervisors (not clerks)."""

from django.db import migrations

from billing_site.common import roles

FORWARD = r"""
CREATE FUNCTION billing_bill_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'posted' THEN
        IF TG_OP = 'DELETE' OR NEW.status IS DISTINCT FROM OLD.status
           OR NEW.number IS DISTINCT FROM OLD.number
           OR NEW.account_id IS DISTINCT FROM OLD.account_id
           OR NEW.transaction_id IS DISTINCT FROM OLD.transaction_id
           OR NEW.previous_balance IS DISTINCT FROM OLD.previous_balance
           OR NEW.payments IS DISTINCT FROM OLD.payments
           OR NEW.adjustments IS DISTINCT FROM OLD.adjustments
           OR NEW.new_charges IS DISTINCT FROM OLD.new_charges
           OR NEW.amount_due IS DISTINCT FROM OLD.amount_due THEN
            RAISE EXCEPTION 'bill % is posted: % of it refused; cancel and rebill instead',
                OLD.number, TG_OP USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER billing_bill_posted_fixed
    BEFORE UPDATE OR DELETE ON billing_bill
    FOR EACH ROW EXECUTE FUNCTION billing_bill_refuse_change();

CREATE FUNCTION billing_billline_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.journal_entry_id IS NOT NULL
       OR EXISTS (SELECT 1 FROM billing_bill b WHERE b.id = OLD.bill_id AND b.status = 'posted')
    THEN
        IF TG_OP = 'DELETE' OR NEW.amount IS DISTINCT FROM OLD.amount
           OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency
           OR NEW.service_id IS DISTINCT FROM OLD.service_id
           OR NEW.bill_id IS DISTINCT FROM OLD.bill_id
           OR (OLD.journal_entry_id IS NOT NULL
               AND NEW.journal_entry_id IS DISTINCT FROM OLD.journal_entry_id) THEN
            RAISE EXCEPTION 'the lines of a posted bill never change: % refused', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER billing_billline_posted_fixed
    BEFORE UPDATE OR DELETE ON billing_billline
    FOR EACH ROW EXECUTE FUNCTION billing_billline_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS billing_billline_posted_fixed ON billing_billline;
DROP FUNCTION IF EXISTS billing_billline_refuse_change();
DROP TRIGGER IF EXISTS billing_bill_posted_fixed ON billing_bill;
DROP FUNCTION IF EXISTS billing_bill_refuse_change();
"""

READ = [(m, f"view_{m}") for m in ("billrun", "bill", "billline")]
RUN = [("billrun", "add_billrun"), ("billrun", "change_billrun"), ("billrun", "post_billrun")]
ROLE_PERMS = {
    roles.CLERK: READ,
    roles.COORDINATOR: READ + RUN,
    roles.SUPERVISOR: READ + RUN,
    roles.FIELD_TECHNICIAN: [],
    roles.AUDITOR: READ,
    roles.ADMINISTRATOR: READ,
}


def forwards(apps, schema_editor):
    roles.grant(apps, "billing", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_bills")]
    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
