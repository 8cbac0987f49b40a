"""Billing permissions for the roles: administrators keep rates, cycles and routes;
coordinators (and supervisors) keep agreements and meters, import reads and resolve
read exceptions; field technicians record reads but cannot resolve exceptions;
clerks and auditors read."""

from django.db import migrations

from billing_site.common import roles

MODELS = [
    "rateschedule",
    "rateversion",
    "ratecomponent",
    "serviceagreement",
    "meter",
    "meterinstall",
    "meterread",
    "readexception",
    "readimport",
    "billingcycle",
    "route",
    "routestop",
]
READ = [(model, f"view_{model}") for model in MODELS]
RATES = [
    (model, f"{action}_{model}")
    for model in ("rateschedule", "rateversion", "ratecomponent", "billingcycle", "route")
    for action in ("add", "change", "delete")
]
KEEP = [
    (model, f"{action}_{model}")
    for model in ("serviceagreement", "meter", "meterinstall", "routestop")
    for action in ("add", "change")
] + [
    ("meterread", "add_meterread"),
    ("readexception", "resolve_readexception"),
    ("readimport", "import_reads"),
    ("serviceagreement", "quote_bill"),
]
FIELD = [("meterread", "add_meterread")]

ROLE_PERMS = {
    roles.CLERK: READ,
    roles.COORDINATOR: READ + KEEP,
    roles.SUPERVISOR: READ + KEEP,
    roles.FIELD_TECHNICIAN: READ + FIELD,
    roles.AUDITOR: READ,
    roles.ADMINISTRATOR: READ + RATES + [("serviceagreement", "quote_bill")],
}


def forwards(apps, schema_editor):
    roles.grant(apps, "billing", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_meter_read_guards"), ("ledger", "0004_role_permissions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
