"""Load the starting chart of GL accounts, funds and services (docs/gl_chart.md)."""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "gl_chart.json"


def load_chart(apps, schema_editor):
    Fund = apps.get_model("ledger", "Fund")
    GLAccount = apps.get_model("ledger", "GLAccount")
    Service = apps.get_model("ledger", "Service")
    chart = json.loads(FIXTURE.read_text())
    funds = {}
    for row in chart["funds"]:
        funds[row["code"]], _ = Fund.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"]}
        )
    gls = {}
    for row in chart["gl_accounts"]:
        fields = {k: v for k, v in row.items() if k not in ("code", "fund")}
        gls[row["code"]], _ = GLAccount.objects.get_or_create(
            code=row["code"], defaults={**fields, "fund": funds[row["fund"]]}
        )
    for row in chart["services"]:
        Service.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "payment_order": row["payment_order"],
                "receivable_gl": gls[row["receivable_gl"]],
                "revenue_gl": gls[row["revenue_gl"]],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_ledger_guards")]
    operations = [migrations.RunPython(load_chart, migrations.RunPython.noop)]
