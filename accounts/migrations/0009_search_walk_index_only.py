"""The search's rank index includes the columns its walk reads (id, status, document).

The account search walks ``account_rank_number_idx`` in rank order and tests each row's
``search_document``; with those columns in the index the walk is an index-only scan and
never visits the table (500 rows: 0.15 ms to 0.07 ms). ``status`` is included because
PostgreSQL computes an index expression's columns from the row unless they are in the
index too.

An index-only scan skips only pages the visibility map marks all-visible, and every
posting updates an account's balance (a HOT update, but it clears the page's bit). So the
accounts table is vacuumed after 2% of its rows changed, not the default 20%: the map
stays fresh between a day's payments and after a bill run.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_account_history_fewer_indexes"),
    ]

    operations = [
        # A btree row holds at most 2,704 bytes: a document longer than the 2,000 bytes
        # ``search_document_for`` now keeps (only text of very long non-Latin names) is cut
        # to 600 characters (at most 2,400 bytes) until its customer or premise is saved.
        migrations.RunSQL(
            "UPDATE accounts_account SET search_document = left(search_document, 600)"
            " WHERE octet_length(search_document) > 2000",
            migrations.RunSQL.noop,
        ),
        migrations.RemoveIndex(
            model_name="account",
            name="account_rank_number_idx",
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                models.Case(
                    models.When(status="active", then=models.Value(0)),
                    models.When(status="pending", then=models.Value(1)),
                    models.When(status="final", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.IntegerField(),
                ),
                models.F("number"),
                include=("id", "status", "search_document"),
                name="account_rank_number_idx",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE accounts_account SET (autovacuum_vacuum_scale_factor = 0.02)",
            "ALTER TABLE accounts_account RESET (autovacuum_vacuum_scale_factor)",
        ),
    ]
