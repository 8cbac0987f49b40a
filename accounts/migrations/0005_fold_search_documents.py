"""Recompute every account's search document with accents and apostrophes folded.

The document is built as ``accounts.services.search_document_for`` builds it at
this migration's time (historical models have no ``display_name``).
"""

from django.db import migrations

from accounts.text import fold, joined_words

BATCH = 2000


def _document(account):
    c, p = account.customer, account.premise
    name = (
        c.organisation_name
        if c.kind == "organisation"
        else f"{c.last_name}, {c.first_name}".strip(", ")
    )
    phones = " ".join(filter(None, [c.phone, c.alt_phone]))
    digits = " ".join(
        "".join(ch for ch in ph if ch.isdigit()) for ph in (c.phone, c.alt_phone) if ph
    )
    parts = [
        account.number,
        name,
        c.first_name,
        c.organisation_name,
        f"{p.line1} {p.line2}",
        c.mailing_line1,
        phones,
        digits,
    ]
    folded = fold(" ".join(part for part in parts if part))
    return " ".join([folded, *joined_words(folded)])


def refold(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    last = 0
    while True:
        batch = list(
            Account.objects.select_related("customer", "premise")
            .filter(pk__gt=last)
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return
        changed = []
        for account in batch:
            document = _document(account)
            if document != account.search_document:
                account.search_document = document
                changed.append(account)
        Account.objects.bulk_update(changed, ["search_document"], batch_size=500)
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_flag_in_collections")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop, elidable=True)]
