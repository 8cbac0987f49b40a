"""The operations dashboard's permission (``common.view_operations_dashboard``): supervisors,
coordinators and auditors (who read everything) see it; clerks, field technicians and
administrators do not (they have their own pages)."""

from django.db import migrations

from billing_site.common import roles

PERM = [("longtask", "view_operations_dashboard")]


def forwards(apps, schema_editor):
    roles.grant(
        apps, "common", {r: PERM for r in (roles.SUPERVISOR, roles.COORDINATOR, roles.AUDITOR)}
    )
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(codename=PERM[0][1]).update(name="Can see the operations dashboard")


class Migration(migrations.Migration):
    dependencies = [("common", "0005_role_change")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
