"""Referral permissions (coordinators and supervisors refer, recall and import remittances;
auditors read; clerks neither), the GL account agency commissions are charged to (999-5830,
an expense of the cash pool's fund, like 999-5820) and the one-time fee the placement fee
posts as (``agency-placement``: an amount typed by the service within $0.01-$9,999.99,
owed under the miscellaneous charge code, revenue 410-4160)."""

from decimal import Decimal

from django.db import migrations

from billing_site.common import roles

KEEP = [
    ("referral", "refer_account"),
    ("referral", "import_agency_remittance"),
    ("referral", "view_referral"),
    ("agency", "view_agency"),
    ("placement", "view_placement"),
    ("agencyremittance", "view_agencyremittance"),
]
READ = [p for p in KEEP if p[1].startswith("view_")]
ROLE_PERMS = {roles.COORDINATOR: KEEP, roles.SUPERVISOR: KEEP, roles.AUDITOR: READ}


def forwards(apps, schema_editor):
    roles.grant(apps, "collections", ROLE_PERMS)
    Fund = apps.get_model("ledger", "Fund")
    GL = apps.get_model("ledger", "GLAccount")
    Service = apps.get_model("ledger", "Service")
    MiscFee = apps.get_model("billing", "MiscFee")
    fund = Fund.objects.filter(code="999").first()
    if fund is not None:
        GL.objects.get_or_create(
            code="999-5830",
            defaults={"name": "Collection agency commissions", "fund": fund, "kind": "expense"},
        )
    service = Service.objects.filter(code="MISC").first()
    revenue = GL.objects.filter(code="410-4160").first()
    if service is not None and revenue is not None:
        MiscFee.objects.get_or_create(
            code="agency-placement",
            defaults={
                "name": "Collection placement fee", "amount_kind": "entered",
                "service": service, "revenue_gl": revenue,
                "minimum": Decimal("0.01"), "minimum_currency": "USD",
                "maximum": Decimal("9999.99"), "maximum_currency": "USD",
            },
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("collections", "0009_agency_referrals"),
        ("billing", "0009_misc_fees_and_budget_roles"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
