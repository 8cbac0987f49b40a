"""The history of balances is append-only, like the journal it follows.

``verify_ledger`` proves each account's history chain against its entries; a
history row edited or deleted after the fact would rewrite who moved the money
and why. PostgreSQL refuses UPDATE and DELETE of the balance history tables
(accounts' and deposits held) with the journal's own refusal; new rows are still
written by the posting that changes the balance.
"""

from django.db import migrations

TABLES = ("accounts_historicalaccount", "ledger_historicaldepositheld")

FORWARD = "\n".join(
    f"""CREATE TRIGGER ledger_history_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();"""
    for table in TABLES
)
BACKWARD = "\n".join(f"DROP TRIGGER IF EXISTS ledger_history_append_only ON {t};" for t in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0012_open_amounts_guard_per_statement"),
        ("accounts", "0005_fold_search_documents"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
