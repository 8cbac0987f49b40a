"""Payment-plan permissions: coordinators and supervisors set plans up and cancel them,
supervisors approve overrides of the eligibility rules, auditors read them."""

from django.db import migrations

from billing_site.common import roles

ROLE_PERMS = {
    roles.COORDINATOR: [("paymentplan", "add_paymentplan"), ("paymentplan", "view_paymentplan")],
    roles.SUPERVISOR: [
        ("paymentplan", "add_paymentplan"),
        ("paymentplan", "view_paymentplan"),
        ("paymentplan", "approve_plan_override"),
    ],
    roles.AUDITOR: [("paymentplan", "view_paymentplan")],
}


def forwards(apps, schema_editor):
    roles.grant(apps, "collections", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [("collections", "0003_payment_plans")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
