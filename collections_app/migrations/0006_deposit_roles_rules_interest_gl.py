"""Deposit permissions, the starting deposit rules a city reviews (residential: band A none,
B $100, C two months of the premise's average bill at least $150, no result $100;
commercial: two months, at least $250, for every band but A), and the GL account that pays
interest on deposits (999-5820, an expense of the cash pool's fund)."""

from decimal import Decimal

from django.db import migrations

from billing_site.common import roles

ROLE_PERMS = {
    roles.COORDINATOR: [
        ("creditresult", "add_creditresult"),
        ("securitydeposit", "view_securitydeposit"),
    ],
    roles.SUPERVISOR: [
        ("creditresult", "add_creditresult"),
        ("securitydeposit", "view_securitydeposit"),
    ],
    roles.AUDITOR: [("securitydeposit", "view_securitydeposit")],
    roles.CLERK: [("securitydeposit", "view_securitydeposit")],
}
RULES = [
    ("residential", "B", "fixed", "100.00", 0),
    ("residential", "C", "months", "150.00", 2),
    ("residential", "N", "fixed", "100.00", 0),
    ("", "B", "months", "250.00", 2),
    ("", "C", "months", "250.00", 2),
    ("", "N", "months", "250.00", 2),
]


def forwards(apps, schema_editor):
    roles.grant(apps, "collections", ROLE_PERMS)
    Rule = apps.get_model("collections", "DepositRule")
    for account_class, band, method, amount, months in RULES:
        Rule.objects.get_or_create(
            account_class=account_class, band=band,
            defaults={"method": method, "amount": Decimal(amount), "months": months},
        )  # fmt: skip
    Fund = apps.get_model("ledger", "Fund")
    GL = apps.get_model("ledger", "GLAccount")
    fund = Fund.objects.filter(code="999").first()
    if fund is not None:
        GL.objects.get_or_create(
            code="999-5820",
            defaults={"name": "Interest on customer deposits", "fund": fund, "kind": "expense"},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("collections", "0005_security_deposits"),
        ("ledger", "0014_refunds_payable_gl_exports"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
