"""Grant cashiering permissions to the roles and load the starting misc revenue items."""

from django.db import migrations

from billing_site.common import roles

COUNTER = [
    ("drawer", "use_drawer"),
    ("payment", "take_payment"),
    ("payment", "view_payment"),
    ("drawer", "view_drawer"),
]
SUPERVISE = [
    ("payment", "void_payment"),
    ("payment", "run_closeout"),
    ("payment", "view_cash_reports"),
    ("closeout", "view_closeout"),
    ("deposit", "view_deposit"),
]
READ = [
    ("payment", "view_payment"),
    ("payment", "view_cash_reports"),
    ("drawer", "view_drawer"),
    ("closeout", "view_closeout"),
    ("deposit", "view_deposit"),
]
ADMIN = [
    ("miscrevenueitem", "add_miscrevenueitem"),
    ("miscrevenueitem", "change_miscrevenueitem"),
    ("miscrevenueitem", "view_miscrevenueitem"),
]
ROLE_PERMS = {
    roles.CLERK: COUNTER,
    roles.COORDINATOR: COUNTER + [("payment", "view_cash_reports")],
    roles.SUPERVISOR: COUNTER + SUPERVISE,
    roles.AUDITOR: READ,
    roles.ADMINISTRATOR: ADMIN,
}
ITEMS = [
    ("Building permit", "001-4610"),
    ("Lien search", "001-4620"),
    ("Copies of records", "001-4630"),
]


def forwards(apps, schema_editor):
    roles.grant(apps, "payments", ROLE_PERMS)
    GLAccount = apps.get_model("ledger", "GLAccount")
    Item = apps.get_model("payments", "MiscRevenueItem")
    for name, code in ITEMS:
        gl = GLAccount.objects.filter(code=code).first()
        if gl is not None:
            Item.objects.get_or_create(name=name, defaults={"gl_account": gl})


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_drawers_payments_closeout"),
        ("ledger", "0004_role_permissions"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
