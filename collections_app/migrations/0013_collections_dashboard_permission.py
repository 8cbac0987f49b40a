"""The collections dashboard's permission (``collections.view_collections_dashboard``):
supervisors, coordinators (who run collections day to day) and auditors read it."""

from django.db import migrations

from billing_site.common import roles

PERM = [("agingrun", "view_collections_dashboard")]


def forwards(apps, schema_editor):
    roles.grant(
        apps, "collections", {r: PERM for r in (roles.SUPERVISOR, roles.COORDINATOR, roles.AUDITOR)}
    )
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(codename=PERM[0][1]).update(name="Can see the collections dashboard")


class Migration(migrations.Migration):
    dependencies = [("collections", "0012_deposit_required")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
