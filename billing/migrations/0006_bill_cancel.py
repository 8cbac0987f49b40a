"""A posted bill can be cancelled (its reversal recorded) and rebilled: the guard now
lets a posted bill become cancelled, money unchanged, and keeps cancelled bills as
they are; one live bill per account and run (a cancelled one steps aside)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GUARD = r"""
CREATE OR REPLACE FUNCTION billing_bill_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('posted', 'cancelled') THEN
        IF TG_OP = 'DELETE'
           OR NOT (NEW.status = OLD.status
                   OR (OLD.status = 'posted' AND NEW.status = 'cancelled'
                       AND NEW.reversal_id IS NOT NULL))
           OR (OLD.status = 'cancelled' AND (
                NEW.reversal_id IS DISTINCT FROM OLD.reversal_id
                OR NEW.cancel_reason IS DISTINCT FROM OLD.cancel_reason
                OR NEW.cancelled_at IS DISTINCT FROM OLD.cancelled_at))
           OR NEW.number IS DISTINCT FROM OLD.number
           OR NEW.account_id IS DISTINCT FROM OLD.account_id
           OR NEW.transaction_id IS DISTINCT FROM OLD.transaction_id
           OR NEW.previous_balance IS DISTINCT FROM OLD.previous_balance
           OR NEW.payments IS DISTINCT FROM OLD.payments
           OR NEW.adjustments IS DISTINCT FROM OLD.adjustments
           OR NEW.new_charges IS DISTINCT FROM OLD.new_charges
           OR NEW.amount_due IS DISTINCT FROM OLD.amount_due THEN
            RAISE EXCEPTION 'bill % is posted: % of it refused; cancel and rebill instead',
                OLD.number, TG_OP USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION billing_billline_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.journal_entry_id IS NOT NULL
       OR EXISTS (SELECT 1 FROM billing_bill b WHERE b.id = OLD.bill_id
                  AND b.status IN ('posted', 'cancelled'))
    THEN
        IF TG_OP = 'DELETE' OR NEW.amount IS DISTINCT FROM OLD.amount
           OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency
           OR NEW.service_id IS DISTINCT FROM OLD.service_id
           OR NEW.bill_id IS DISTINCT FROM OLD.bill_id
           OR (OLD.journal_entry_id IS NOT NULL
               AND NEW.journal_entry_id IS DISTINCT FROM OLD.journal_entry_id) THEN
            RAISE EXCEPTION 'the lines of a posted bill never change: % refused', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_fold_search_documents"),
        ("billing", "0005_bill_guards"),
        ("ledger", "0012_open_amounts_guard_per_statement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="bill",
            name="billing_bill_once_per_run",
        ),
        migrations.AddField(
            model_name="bill",
            name="cancel_note",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="bill",
            name="cancel_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("misread", "Meter misread"),
                    ("estimate", "Estimated read replaced by an actual read"),
                    ("rate", "Wrong rate schedule"),
                    ("determinant", "Wrong determinant (units, size, ERU, carts)"),
                    ("dates", "Wrong service dates"),
                    ("other", "Other (see the note)"),
                ],
                max_length=15,
            ),
        ),
        migrations.AddField(
            model_name="bill",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="bill",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="bill",
            name="rebill_of",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rebill",
                to="billing.bill",
            ),
        ),
        migrations.AddField(
            model_name="bill",
            name="reversal",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cancelled_bill",
                to="ledger.journaltransaction",
            ),
        ),
        migrations.AlterField(
            model_name="bill",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("error", "Cannot be billed"),
                    ("excluded", "Excluded from the run"),
                    ("posted", "Posted"),
                    ("cancelled", "Cancelled"),
                ],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="bill",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "cancelled"), _negated=True),
                fields=("run", "account"),
                name="billing_bill_once_per_run",
            ),
        ),
        migrations.RunSQL(GUARD, migrations.RunSQL.noop),
    ]
