"""Grant returned-payment and batch permissions; load the starting fee schedule.

The starting schedule follows a common state rule for dishonored checks: $25 up to
$50, $30 up to $300, $40 above, or 5% of the amount, whichever is greater.
"""

from decimal import Decimal

from django.db import migrations

from billing_site.common import roles

RECORD = [
    ("returnedpayment", "record_return"),
    ("returnedpayment", "view_returnedpayment"),
    ("remittancebatch", "manage_batches"),
    ("remittancebatch", "view_remittancebatch"),
]
READ = [
    ("returnedpayment", "view_returnedpayment"),
    ("remittancebatch", "view_remittancebatch"),
]
ADMIN = [
    (model, f"{action}_{model}")
    for model in ("returnfeeschedule", "returnfeetier")
    for action in ("add", "change", "delete", "view")
]
ROLE_PERMS = {
    roles.COORDINATOR: RECORD,
    roles.SUPERVISOR: RECORD,
    roles.AUDITOR: READ,
    roles.ADMINISTRATOR: ADMIN,
}
TIERS = [
    (Decimal("50.00"), Decimal("25.00")),
    (Decimal("300.00"), Decimal("30.00")),
    (None, Decimal("40.00")),
]


def forwards(apps, schema_editor):
    roles.grant(apps, "payments", ROLE_PERMS)
    Schedule = apps.get_model("payments", "ReturnFeeSchedule")
    Tier = apps.get_model("payments", "ReturnFeeTier")
    if Schedule.objects.exists():
        return
    schedule = Schedule.objects.create(
        name="Standard returned-payment fee", is_active=True, percent=Decimal("5.00")
    )
    for up_to, fee in TIERS:
        Tier.objects.create(schedule=schedule, up_to=up_to, fee=fee)


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_returns_batches")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
