"""Leave room on the pages of balances and open amounts, so their updates stay HOT.

Every posting updates its account's ``balance`` and the account's rows in
``ledger_accountopen``. Neither column is indexed, so PostgreSQL can write the
new row version on the same page without touching any index (a HOT update), but
only if the page has room. Packed full (fillfactor 100, the default), almost no
update was HOT: a bill run's chunk of 10,000 accounts rewrote an entry in each
of the account table's ten indexes (the trigram index of the search document
among them) for every balance, about a quarter of the chunk's statement time
(``docs/bench.md``, 2 December). Half-full pages hold a new version of every
row on them, so a bill run updating every account of a page in one database
transaction stays HOT; later page pruning frees the old versions.

The setting applies to pages written from now on; ``VACUUM FULL`` (or
``pg_repack``) of the two tables applies it to an existing database.
"""

from django.db import migrations

TABLES = ("accounts_account", "ledger_accountopen")

FORWARD = "\n".join(f"ALTER TABLE {table} SET (fillfactor = 50);" for table in TABLES)
BACKWARD = "\n".join(f"ALTER TABLE {table} RESET (fillfactor);" for table in TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0015_post_payment_in_one_call"),
        ("accounts", "0005_fold_search_documents"),
    ]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
