"""Write-off permissions: supervisors write off and approve others' write-offs above the
limit; auditors read them. Clerks and coordinators do not write off."""

from django.db import migrations

from billing_site.common import roles

ROLE_PERMS = {
    roles.SUPERVISOR: [
        ("writeoff", "add_writeoff"),
        ("writeoff", "view_writeoff"),
        ("writeoff", "approve_writeoff"),
    ],
    roles.AUDITOR: [("writeoff", "view_writeoff")],
    roles.COORDINATOR: [("writeoff", "view_writeoff")],
}


def forwards(apps, schema_editor):
    roles.grant(apps, "collections", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [("collections", "0007_write_offs")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
