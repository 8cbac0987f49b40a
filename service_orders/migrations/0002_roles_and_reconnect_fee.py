"""Service-order permissions for the roles, and the reconnect fee on the fee list.

Clerks take start and stop orders at the counter and may cancel the ones they took;
coordinators and supervisors also dispatch and cancel a disconnect collections ordered;
field technicians work their own orders (the effects of a completion run with the
permissions ``service_orders.services.EFFECT_PERMS`` for that call only); auditors read."""

from decimal import Decimal

from django.db import migrations

from billing_site.common import roles

VIEW = [("serviceorder", "view_serviceorder"), ("serviceorder", "view_order_photo")]
COUNTER = [("serviceorder", "add_serviceorder"), ("serviceorder", "cancel_serviceorder")]
DISPATCH = [
    ("serviceorder", "dispatch_serviceorder"),
    ("serviceorder", "cancel_collections_order"),
]
WORK = [("serviceorder", "work_serviceorder")]
ROLE_PERMS = {
    roles.CLERK: VIEW + COUNTER,
    roles.COORDINATOR: VIEW + COUNTER + DISPATCH,
    roles.SUPERVISOR: VIEW + COUNTER + DISPATCH,
    roles.FIELD_TECHNICIAN: VIEW + WORK,
    roles.AUDITOR: VIEW,
    roles.ADMINISTRATOR: [],
}


def forwards(apps, schema_editor):
    roles.grant(apps, "service_orders", ROLE_PERMS)
    MiscFee = apps.get_model("billing", "MiscFee")
    restore = MiscFee.objects.filter(code="after-hours-restore").first()
    if restore is None:
        return
    MiscFee.objects.get_or_create(
        code="reconnect",
        defaults={
            "name": "Reconnect", "amount_kind": "fixed", "service": restore.service,
            "revenue_gl": restore.revenue_gl, "amount": Decimal("50.00"),
            "amount_currency": "USD",
        },
    )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("service_orders", "0001_orders_and_photos"),
        ("billing", "0009_misc_fees_and_budget_roles"),
        ("accounts", "0007_account_forwarding_address"),
        ("ledger", "0014_refunds_payable_gl_exports"),
        ("common", "0005_role_change"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
