"""Refunds payable and the GL interface files.

* a singular GL role ``refunds_payable`` and its account 999-2300 (Treasury Cash
  Pool, liability), where approved refunds wait for accounts payable's cheque;
* the ``refund`` transaction kind and ``ledger.refund_credit`` (supervisors);
* ``GLExport``: one exported GL interface file per closed business day;
  coordinators and supervisors export, auditors read.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

from billing_site.common import roles

REFUNDS_PAYABLE = {
    "code": "999-2300",
    "name": "Refunds payable to customers",
    "kind": "liability",
    "role": "refunds_payable",
}
VIEW = [("glexport", "view_glexport")]
EXPORT = [("glexport", "export_gl")]
ROLE_PERMS = {
    roles.COORDINATOR: VIEW + EXPORT,
    roles.SUPERVISOR: VIEW + EXPORT + [("journaltransaction", "refund_credit")],
    roles.AUDITOR: VIEW,
}


def forwards(apps, schema_editor):
    Fund = apps.get_model("ledger", "Fund")
    GLAccount = apps.get_model("ledger", "GLAccount")
    pool = Fund.objects.filter(code="999").first()
    if pool is not None and not GLAccount.objects.filter(role="refunds_payable").exists():
        GLAccount.objects.get_or_create(
            code=REFUNDS_PAYABLE["code"],
            defaults={
                "name": REFUNDS_PAYABLE["name"],
                "kind": REFUNDS_PAYABLE["kind"],
                "role": REFUNDS_PAYABLE["role"],
                "fund": pool,
            },
        )
    roles.grant(apps, "ledger", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0005_role_change"),
        ("ledger", "0013_balance_history_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="GLExport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("line_count", models.PositiveIntegerField()),
                ("control_total", models.DecimalField(decimal_places=2, max_digits=14)),
                (
                    "exported_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
            ],
            options={
                "verbose_name": "GL export",
                "ordering": ["-business_day__date"],
                "permissions": [("export_gl", "Can export a closed day's GL interface file")],
            },
        ),
        migrations.AlterModelOptions(
            name="journaltransaction",
            options={
                "ordering": ["-id"],
                "permissions": [
                    ("post_transaction", "Can post ledger transactions"),
                    ("refund_credit", "Can post an approved refund of a customer's credit"),
                ],
            },
        ),
        migrations.RemoveConstraint(
            model_name="glaccount",
            name="gl_one_account_per_singular_role",
        ),
        migrations.AlterField(
            model_name="glaccount",
            name="role",
            field=models.CharField(
                choices=[
                    ("cash", "Cash (pooled)"),
                    ("receivable", "Accounts receivable (per service)"),
                    ("unapplied_credit", "Unapplied customer credits"),
                    ("revenue", "Revenue"),
                    ("deposits_held", "Customer deposits held"),
                    ("refunds_payable", "Refunds payable to customers"),
                    ("over_short", "Cash over/short"),
                    ("bad_debt", "Bad debt expense"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="journaltransaction",
            name="kind",
            field=models.CharField(
                choices=[
                    ("charge", "Charge"),
                    ("payment", "Payment"),
                    ("adjustment", "Adjustment"),
                    ("fee", "Fee"),
                    ("deposit", "Deposit"),
                    ("transfer", "Transfer"),
                    ("reversal", "Reversal"),
                    ("write_off", "Write-off"),
                    ("over_short", "Over/short"),
                    ("credit_application", "Credit applied"),
                    ("misc_revenue", "Miscellaneous revenue"),
                    ("gl_adjustment", "GL adjustment"),
                    ("refund", "Refund"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="glaccount",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    (
                        "role__in",
                        [
                            "cash",
                            "unapplied_credit",
                            "over_short",
                            "deposits_held",
                            "refunds_payable",
                        ],
                    )
                ),
                fields=("role",),
                name="gl_one_account_per_singular_role",
                violation_error_message="Only one GL account may hold this role.",
            ),
        ),
        migrations.AddField(
            model_name="glexport",
            name="business_day",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="gl_export",
                to="ledger.businessday",
            ),
        ),
        migrations.AddField(
            model_name="glexport",
            name="document",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="common.document"
            ),
        ),
        migrations.AddField(
            model_name="glexport",
            name="exported_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
