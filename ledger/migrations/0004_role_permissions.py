"""Grant ledger permissions to the roles; administrators keep the GL chart and users."""

from django.db import migrations

from billing_site.common import roles

READ = [
    ("journaltransaction", "view_journaltransaction"),
    ("journalentry", "view_journalentry"),
    ("businessday", "view_businessday"),
    ("glaccount", "view_glaccount"),
    ("fund", "view_fund"),
    ("service", "view_service"),
]
POST = [("journaltransaction", "post_transaction")]
CHART = [
    ("fund", "add_fund"),
    ("fund", "change_fund"),
    ("fund", "view_fund"),
    ("glaccount", "add_glaccount"),
    ("glaccount", "change_glaccount"),
    ("glaccount", "view_glaccount"),
    ("service", "add_service"),
    ("service", "change_service"),
    ("service", "view_service"),
    ("businessday", "view_businessday"),
]

ROLE_PERMS = {
    roles.CLERK: READ + POST,
    roles.COORDINATOR: READ + POST,
    roles.SUPERVISOR: READ + POST,
    roles.AUDITOR: READ,
    roles.ADMINISTRATOR: CHART,
    roles.FIELD_TECHNICIAN: [],
}
USERS = [
    ("user", "add_user"),
    ("user", "change_user"),
    ("user", "view_user"),
    ("group", "view_group"),
    ("group", "change_group"),
]


def forwards(apps, schema_editor):
    roles.grant(apps, "ledger", ROLE_PERMS)
    roles.grant(apps, "auth", {roles.ADMINISTRATOR: USERS})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_gl_chart"), ("accounts", "0002_role_permissions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
