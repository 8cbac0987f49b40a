"""Deposits held per customer account: lines naming the account, outside its balance.

* ``JournalEntry.deposit_account`` names the account whose deposit a line on the
  deposits-held GL account holds (never together with ``account``);
* ``DepositHeld`` caches each account's deposit (with history), and PostgreSQL
  checks at commit that it equals minus the sum of the account's deposit lines;
* only lines on the deposits-held GL account name a deposit account, and they all do;
* deposits-held becomes a singular GL role; the chart's 999-2200 is ensured;
* coordinators and supervisors may apply or refund deposits.
"""

import json
from pathlib import Path

import django.db.models.deletion
import djmoney.models.fields
import djmoney.money
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from billing_site.common import roles

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "gl_chart.json"

FORWARD = r"""
CREATE FUNCTION ledger_check_deposit_held(acct bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE cached numeric; summed numeric;
BEGIN
    SELECT amount INTO cached FROM ledger_depositheld WHERE account_id = acct;
    SELECT coalesce(-sum(amount), 0) INTO summed FROM ledger_journalentry
        WHERE deposit_account_id = acct;
    IF coalesce(cached, 0) <> summed THEN
        RAISE EXCEPTION 'account % deposit held % does not equal its deposit lines %',
            acct, coalesce(cached, 0), summed USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END $$;
CREATE FUNCTION ledger_entry_deposit_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_deposit_held(NEW.deposit_account_id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entry_deposit_held
    AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.deposit_account_id IS NOT NULL)
    EXECUTE FUNCTION ledger_entry_deposit_check();
CREATE FUNCTION ledger_deposit_row_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ledger_check_deposit_held(NEW.account_id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_deposit_held_matches
    AFTER INSERT OR UPDATE ON ledger_depositheld
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_deposit_row_check();
CREATE FUNCTION ledger_deposit_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'deposits held are never deleted: refund or apply the deposit instead'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER ledger_deposit_refuse_delete
    BEFORE DELETE ON ledger_depositheld
    FOR EACH ROW EXECUTE FUNCTION ledger_deposit_refuse_delete();

CREATE FUNCTION ledger_entry_deposit_gl() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF ((SELECT role FROM ledger_glaccount WHERE id = NEW.gl_account_id) = 'deposits_held')
            IS DISTINCT FROM (NEW.deposit_account_id IS NOT NULL) THEN
        RAISE EXCEPTION 'a line on the deposits-held GL account names the account it holds for, '
            'and only such lines do' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_entry_deposit_gl
    BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_deposit_gl();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_entry_deposit_gl ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_deposit_refuse_delete ON ledger_depositheld;
DROP TRIGGER IF EXISTS ledger_deposit_held_matches ON ledger_depositheld;
DROP TRIGGER IF EXISTS ledger_entry_deposit_held ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_entry_deposit_gl();
DROP FUNCTION IF EXISTS ledger_deposit_refuse_delete();
DROP FUNCTION IF EXISTS ledger_deposit_row_check();
DROP FUNCTION IF EXISTS ledger_entry_deposit_check();
DROP FUNCTION IF EXISTS ledger_check_deposit_held(bigint);
"""


def ensure_deposits_gl(apps, schema_editor):
    """The chart's customer deposits GL account, unless the chart already has one."""
    GLAccount = apps.get_model("ledger", "GLAccount")
    Fund = apps.get_model("ledger", "Fund")
    if GLAccount.objects.filter(role="deposits_held").exists():
        return
    chart = json.loads(FIXTURE.read_text())
    row = next(r for r in chart["gl_accounts"] if r["role"] == "deposits_held")
    fund_row = next(f for f in chart["funds"] if f["code"] == row["fund"])
    fund, _ = Fund.objects.get_or_create(code=fund_row["code"], defaults={"name": fund_row["name"]})
    fields = {k: v for k, v in row.items() if k not in ("code", "fund")}
    GLAccount.objects.update_or_create(code=row["code"], defaults={**fields, "fund": fund})


def grant(apps, schema_editor):
    keep = [("depositheld", "manage_deposits"), ("depositheld", "view_depositheld")]
    read = [("depositheld", "view_depositheld")]
    roles.grant(
        apps,
        "ledger",
        {
            roles.CLERK: read,
            roles.COORDINATOR: keep,
            roles.SUPERVISOR: keep,
            roles.AUDITOR: read,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_fold_search_documents"),
        ("ledger", "0008_business_calendar_guards"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DepositHeld",
            fields=[
                (
                    "account",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="deposit",
                        serialize=False,
                        to="accounts.account",
                    ),
                ),
                (
                    "amount_currency",
                    djmoney.models.fields.CurrencyField(
                        choices=[("USD", "US Dollar")], default="USD", editable=False, max_length=3
                    ),
                ),
                (
                    "amount",
                    djmoney.models.fields.MoneyField(
                        decimal_places=2, default=djmoney.money.Money(0, "USD"), max_digits=14
                    ),
                ),
            ],
            options={
                "verbose_name": "deposit held",
                "verbose_name_plural": "deposits held",
                "permissions": [("manage_deposits", "Can apply or refund a customer's deposit")],
            },
        ),
        migrations.CreateModel(
            name="HistoricalDepositHeld",
            fields=[
                (
                    "amount_currency",
                    djmoney.models.fields.CurrencyField(
                        choices=[("USD", "US Dollar")], default="USD", editable=False, max_length=3
                    ),
                ),
                (
                    "amount",
                    djmoney.models.fields.MoneyField(
                        decimal_places=2, default=djmoney.money.Money(0, "USD"), max_digits=14
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
            ],
            options={
                "verbose_name": "historical deposit held",
                "verbose_name_plural": "historical deposits held",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RemoveConstraint(
            model_name="glaccount",
            name="gl_one_account_per_singular_role",
        ),
        migrations.AddField(
            model_name="journalentry",
            name="deposit_account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deposit_entries",
                to="accounts.account",
            ),
        ),
        migrations.AddConstraint(
            model_name="glaccount",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("role__in", ["cash", "unapplied_credit", "over_short", "deposits_held"])
                ),
                fields=("role",),
                name="gl_one_account_per_singular_role",
                violation_error_message="Only one GL account may hold this role.",
            ),
        ),
        migrations.AddConstraint(
            model_name="journalentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("account__isnull", True), ("deposit_account__isnull", True), _connector="OR"
                ),
                name="entry_owed_or_deposit",
                violation_error_message="A line is owed by an account or held for it, not both.",
            ),
        ),
        migrations.AddConstraint(
            model_name="depositheld",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", 0)),
                name="deposit_held_not_negative",
                violation_error_message="More cannot be applied or refunded than is held.",
            ),
        ),
        migrations.AddField(
            model_name="historicaldepositheld",
            name="account",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="accounts.account",
            ),
        ),
        migrations.AddField(
            model_name="historicaldepositheld",
            name="history_user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(ensure_deposits_gl, migrations.RunPython.noop),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
