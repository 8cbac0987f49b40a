"""The business calendar, guarded by PostgreSQL: a new day is open and later than every closed one.

Migration 0002 already refuses reopening, changing or deleting a closed day;
this adds the INSERT side, so a day can never be opened behind the calendar
(back-dating postings into a period that was closed and reported). Closing a
day is its own permission, held by supervisors.
"""

from django.db import migrations

from billing_site.common import roles

FORWARD = r"""
CREATE FUNCTION ledger_business_day_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last_closed date;
BEGIN
    IF NEW.status IS DISTINCT FROM 'open' THEN
        RAISE EXCEPTION 'a business day starts open: % cannot be added as %', NEW.date, NEW.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT max(date) INTO last_closed FROM ledger_businessday WHERE status = 'closed';
    IF last_closed IS NOT NULL AND NEW.date <= last_closed THEN
        RAISE EXCEPTION 'business day % is not later than closed day %', NEW.date, last_closed
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_business_day_insert_guard
    BEFORE INSERT ON ledger_businessday
    FOR EACH ROW EXECUTE FUNCTION ledger_business_day_insert_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_business_day_insert_guard ON ledger_businessday;
DROP FUNCTION IF EXISTS ledger_business_day_insert_guard();
"""


def grant(apps, schema_editor):
    roles.grant(apps, "ledger", {roles.SUPERVISOR: [("businessday", "close_business_day")]})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_holiday_permissions")]

    operations = [
        migrations.AlterModelOptions(
            name="businessday",
            options={
                "ordering": ["-date"],
                "permissions": [
                    ("close_business_day", "Can close the business day and open the next")
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
