"""Administrators keep the holidays; every role may read them (the closeout does)."""

from django.db import migrations

from billing_site.common import roles

KEEP = [("holiday", f"{action}_holiday") for action in ("add", "change", "delete", "view")]
READ = [("holiday", "view_holiday")]


def grant(apps, schema_editor):
    roles.grant(
        apps,
        "ledger",
        {
            roles.ADMINISTRATOR: KEEP,
            roles.SUPERVISOR: READ,
            roles.COORDINATOR: READ,
            roles.AUDITOR: READ,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_holidays")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
