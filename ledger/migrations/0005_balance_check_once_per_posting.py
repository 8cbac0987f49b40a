"""Check each account's balance once per journal transaction, not once per line.

The commit-time check sums the account's whole history. A payment spread over
three services used to run it three times; now only the account's last line in
each journal transaction runs it (the account row's own check is unchanged), so
the guarantee is the same and the work is a third.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_entry_balance_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_journalentry
               WHERE account_id = NEW.account_id AND transaction_id = NEW.transaction_id
                 AND id > NEW.id) THEN
        RETURN NULL;  -- a later line of this transaction on the same account checks it
    END IF;
    PERFORM ledger_check_account_balance(NEW.account_id);
    RETURN NULL;
END $$;
"""

BACKWARD = r"""
CREATE OR REPLACE FUNCTION ledger_entry_balance_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_account_balance(NEW.account_id);
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_role_permissions")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
