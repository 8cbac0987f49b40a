"""Refunds of customer credit (and deposits), their approval and the accounts-payable
exports. Coordinators and supervisors request and export; supervisors approve;
auditors read."""

import django.db.models.deletion
import django.utils.timezone
import djmoney.models.fields
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from billing_site.common import roles

READ = [("refund", "view_refund"), ("refundexport", "view_refundexport")]
REQUEST = [("refund", "request_refund"), ("refundexport", "export_refunds")]
APPROVE = [("refund", "approve_refund")]
ROLE_PERMS = {
    roles.COORDINATOR: READ + REQUEST,
    roles.SUPERVISOR: READ + REQUEST + APPROVE,
    roles.AUDITOR: READ,
}


def grant(apps, schema_editor):
    roles.grant(apps, "adjustments", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_account_forwarding_address"),
        ("adjustments", "0002_roles_reasons_limits"),
        ("common", "0005_role_change"),
        ("ledger", "0014_refunds_payable_gl_exports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RefundExport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(editable=False, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("refund_count", models.PositiveIntegerField()),
                (
                    "total_currency",
                    djmoney.models.fields.CurrencyField(
                        choices=[("USD", "US Dollar")], default="USD", editable=False, max_length=3
                    ),
                ),
                ("total", djmoney.models.fields.MoneyField(decimal_places=2, max_digits=14)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="common.document",
                    ),
                ),
            ],
            options={
                "ordering": ["-number"],
                "permissions": [
                    ("export_refunds", "Can export approved refunds to accounts payable")
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalRefund",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(db_index=True, editable=False)),
                (
                    "source",
                    models.CharField(
                        choices=[("credit", "Credit balance"), ("deposit", "Security deposit")],
                        default="credit",
                        max_length=10,
                    ),
                ),
                (
                    "amount_currency",
                    djmoney.models.fields.CurrencyField(
                        choices=[("USD", "US Dollar")], default="USD", editable=False, max_length=3
                    ),
                ),
                ("amount", djmoney.models.fields.MoneyField(decimal_places=2, max_digits=14)),
                (
                    "payee",
                    models.CharField(
                        choices=[("customer", "The customer"), ("other", "Another payee")],
                        default="customer",
                        max_length=10,
                    ),
                ),
                ("payee_name", models.CharField(max_length=200)),
                ("payee_line1", models.CharField(max_length=200, verbose_name="payee address")),
                (
                    "payee_line2",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="payee address line 2"
                    ),
                ),
                ("payee_city", models.CharField(max_length=100, verbose_name="payee city")),
                ("payee_state", models.CharField(max_length=2, verbose_name="payee state")),
                ("payee_zip", models.CharField(max_length=10, verbose_name="payee ZIP")),
                ("memo", models.CharField(max_length=500)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for approval"),
                            ("approved", "Approved and posted"),
                            ("rejected", "Rejected"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="pending",
                        max_length=20,
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("decision_note", models.CharField(blank=True, max_length=500)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "posting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ledger.journaltransaction",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "export",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="adjustments.refundexport",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical refund",
                "verbose_name_plural": "historical refunds",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Refund",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(editable=False, unique=True)),
                (
                    "source",
                    models.CharField(
                        choices=[("credit", "Credit balance"), ("deposit", "Security deposit")],
                        default="credit",
                        max_length=10,
                    ),
                ),
                (
                    "amount_currency",
                    djmoney.models.fields.CurrencyField(
                        choices=[("USD", "US Dollar")], default="USD", editable=False, max_length=3
                    ),
                ),
                ("amount", djmoney.models.fields.MoneyField(decimal_places=2, max_digits=14)),
                (
                    "payee",
                    models.CharField(
                        choices=[("customer", "The customer"), ("other", "Another payee")],
                        default="customer",
                        max_length=10,
                    ),
                ),
                ("payee_name", models.CharField(max_length=200)),
                ("payee_line1", models.CharField(max_length=200, verbose_name="payee address")),
                (
                    "payee_line2",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="payee address line 2"
                    ),
                ),
                ("payee_city", models.CharField(max_length=100, verbose_name="payee city")),
                ("payee_state", models.CharField(max_length=2, verbose_name="payee state")),
                ("payee_zip", models.CharField(max_length=10, verbose_name="payee ZIP")),
                ("memo", models.CharField(max_length=500)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for approval"),
                            ("approved", "Approved and posted"),
                            ("rejected", "Rejected"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        default="pending",
                        max_length=20,
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("decision_note", models.CharField(blank=True, max_length=500)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refunds",
                        to="accounts.account",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "posting",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refund",
                        to="ledger.journaltransaction",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "export",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refunds",
                        to="adjustments.refundexport",
                    ),
                ),
            ],
            options={
                "ordering": ["-number"],
                "permissions": [
                    ("request_refund", "Can request a refund of a customer's credit"),
                    ("approve_refund", "Can approve or reject refunds"),
                ],
                "indexes": [
                    models.Index(fields=["status", "requested_at"], name="refund_queue_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("decided_by__isnull", True),
                            models.Q(("decided_by", models.F("requested_by")), _negated=True),
                            _connector="OR",
                        ),
                        name="refund_not_self_decided",
                        violation_error_message="Nobody may decide their own refund request.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "rejected"), _negated=True),
                            ("decision_note__gt", ""),
                            _connector="OR",
                        ),
                        name="refund_rejection_has_reason",
                        violation_error_message="A rejection must say why.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "approved"), _negated=True),
                            models.Q(("decided_by__isnull", False), ("posting__isnull", False)),
                            _connector="OR",
                        ),
                        name="refund_approved_has_posting",
                        violation_error_message="An approved refund names its posting and approver.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("export__isnull", True), ("status", "approved"), _connector="OR"
                        ),
                        name="refund_exported_only_approved",
                        violation_error_message="Only approved refunds go to accounts payable.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("amount__gt", 0)),
                        name="refund_amount_positive",
                        violation_error_message="A refund is for more than zero.",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
