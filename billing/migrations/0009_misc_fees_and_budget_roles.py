"""Roles for one-time charges and budget billing, and the starting list of
miscellaneous fees (an administrator keeps them afterwards): a receivable and a
revenue GL account for them in the water fund, and their charge code MISC."""

from decimal import Decimal

from django.db import migrations

from billing_site.common import roles

READ = [("miscfee", "view_miscfee"), ("onetimecharge", "view_onetimecharge"),
        ("budgetplan", "view_budgetplan")]  # fmt: skip
KEEP = [("onetimecharge", "add_onetimecharge"), ("onetimecharge", "approve_onetimecharge"),
        ("budgetplan", "add_budgetplan"), ("budgetplan", "change_budgetplan")]  # fmt: skip
FEES = [("miscfee", f"{action}_miscfee") for action in ("add", "change")]
ROLE_PERMS = {
    roles.CLERK: READ,
    roles.COORDINATOR: READ + KEEP,
    roles.SUPERVISOR: READ + KEEP,
    roles.FIELD_TECHNICIAN: [],
    roles.AUDITOR: READ,
    roles.ADMINISTRATOR: READ + FEES,
}

STARTING_FEES = [
    # code, name, kind, amount, minimum, maximum
    ("meter-tampering", "Meter tampering", "fixed", "150.00", None, None),
    ("damaged-padlock", "Damaged padlock", "fixed", "35.00", None, None),
    ("meter-pull", "Meter pull", "fixed", "75.00", None, None),
    ("after-hours-restore", "After-hours restore", "fixed", "100.00", None, None),
    ("collection-processing", "Collection processing", "entered", None, "10.00", "75.00"),
]


def forwards(apps, schema_editor):
    roles.grant(apps, "billing", ROLE_PERMS)
    Fund = apps.get_model("ledger", "Fund")
    GLAccount = apps.get_model("ledger", "GLAccount")
    Service = apps.get_model("ledger", "Service")
    MiscFee = apps.get_model("billing", "MiscFee")
    fund = Fund.objects.filter(code="410").first()
    if fund is None:
        return
    receivable, _ = GLAccount.objects.get_or_create(
        code="410-1240", defaults={"name": "Accounts receivable - miscellaneous charges",
                                   "fund": fund, "kind": "asset", "role": "receivable"},
    )  # fmt: skip
    revenue, _ = GLAccount.objects.get_or_create(
        code="410-4160", defaults={"name": "Miscellaneous service fees", "fund": fund,
                                   "kind": "revenue", "role": "revenue"},
    )  # fmt: skip
    order = max(Service.objects.values_list("payment_order", flat=True), default=0) + 1
    service, _ = Service.objects.get_or_create(
        code="MISC", defaults={"name": "Miscellaneous charges", "payment_order": order,
                               "receivable_gl": receivable, "revenue_gl": revenue},
    )  # fmt: skip
    for code, name, kind, amount, minimum, maximum in STARTING_FEES:
        MiscFee.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "amount_kind": kind, "service": service, "revenue_gl": revenue,
                "amount": Decimal(amount) if amount else None, "amount_currency": "USD",
                "minimum": Decimal(minimum) if minimum else None, "minimum_currency": "USD",
                "maximum": Decimal(maximum) if maximum else None, "maximum_currency": "USD",
            },
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_budget_plans_and_one_time_charges"),
        ("ledger", "0004_role_permissions"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
