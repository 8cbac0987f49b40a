"""Grant the customer-account permissions to the roles (groups)."""

from django.db import migrations

from billing_site.common import roles

VIEW = [
    ("customer", "view_customer"),
    ("premise", "view_premise"),
    ("account", "view_account"),
    ("accountnote", "view_accountnote"),
    ("accountflag", "view_accountflag"),
]
HISTORY = [("account", "view_account_history")]
NOTE = [("accountnote", "add_accountnote")]
MAINTAIN = [
    ("customer", "add_customer"),
    ("customer", "change_customer"),
    ("premise", "add_premise"),
    ("premise", "change_premise"),
    ("account", "add_account"),
    ("account", "change_account"),
    ("account", "close_account"),
    ("account", "manage_master_account"),
    ("account", "manage_account_flags"),
]

ROLE_PERMS = {
    roles.CLERK: VIEW + HISTORY + NOTE,
    roles.COORDINATOR: VIEW + HISTORY + NOTE + MAINTAIN,
    roles.SUPERVISOR: VIEW + HISTORY + NOTE + MAINTAIN,
    roles.FIELD_TECHNICIAN: VIEW + NOTE,
    roles.AUDITOR: VIEW + HISTORY,
    roles.ADMINISTRATOR: [],
}


def forwards(apps, schema_editor):
    roles.grant(apps, "accounts", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
