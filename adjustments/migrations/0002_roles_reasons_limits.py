"""Grant the adjustment permissions to the roles; load the starting reason codes and
approval limits (administrators change both in the admin afterwards).

Courtesy credits are a cost of the general fund, not a cut in a utility's
revenue, so that reason offsets against a general-fund expense account created
here; every other reason offsets against the revenue of the service adjusted.
"""

from decimal import Decimal

from django.db import migrations

from billing_site.common import roles

REQUEST = [("adjustmentrequest", "add_adjustmentrequest")]
REVIEW = [
    ("adjustmentrequest", "view_adjustmentrequest"),
    ("adjustmentrequest", "view_reports"),
    ("adjustmentreason", "view_adjustmentreason"),
    ("approvallimit", "view_approvallimit"),
]
COORDINATE = [
    ("adjustmentrequest", "approve_request"),
    ("adjustmentrequest", "request_consolidation"),
    ("adjustmentrequest", "draft_gl_adjustment"),
]
REVERSE = [("adjustmentrequest", "reverse_request")]
REFERENCE = [
    ("adjustmentreason", "add_adjustmentreason"),
    ("adjustmentreason", "change_adjustmentreason"),
    ("adjustmentreason", "view_adjustmentreason"),
    ("approvallimit", "add_approvallimit"),
    ("approvallimit", "change_approvallimit"),
    ("approvallimit", "view_approvallimit"),
]

ROLE_PERMS = {
    roles.CLERK: REQUEST,
    roles.COORDINATOR: REQUEST + REVIEW + COORDINATE,
    roles.SUPERVISOR: REQUEST + REVIEW + COORDINATE + REVERSE,
    roles.AUDITOR: REVIEW,
    roles.ADMINISTRATOR: REFERENCE,
    roles.FIELD_TECHNICIAN: [],
}

COURTESY_GL = {"code": "001-5920", "name": "Courtesy credits to customers", "kind": "expense"}
REASONS = [
    ("LEAK", "Leak adjustment", None),
    ("BILLING", "Billing error", None),
    ("MISREAD", "Meter misread", None),
    ("FEEWAIVE", "Fee waiver", None),
    ("PENALTY", "Penalty reversal", None),
    ("COURTESY", "Courtesy credit", COURTESY_GL["code"]),
]
LIMITS = {roles.COORDINATOR: Decimal("500.00"), roles.SUPERVISOR: None}


def forwards(apps, schema_editor):
    roles.grant(apps, "adjustments", ROLE_PERMS)
    Fund = apps.get_model("ledger", "Fund")
    GLAccount = apps.get_model("ledger", "GLAccount")
    Group = apps.get_model("auth", "Group")
    Reason = apps.get_model("adjustments", "AdjustmentReason")
    Limit = apps.get_model("adjustments", "ApprovalLimit")
    general = Fund.objects.get(code="001")
    GLAccount.objects.get_or_create(
        code=COURTESY_GL["code"],
        defaults={"name": COURTESY_GL["name"], "kind": COURTESY_GL["kind"], "fund": general},
    )
    for code, name, offset in REASONS:
        gl = GLAccount.objects.get(code=offset) if offset else None
        Reason.objects.get_or_create(code=code, defaults={"name": name, "offset_gl": gl})
    for role, amount in LIMITS.items():
        Limit.objects.get_or_create(
            role=Group.objects.get(name=role), defaults={"max_amount": amount}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("adjustments", "0001_requests_reasons_limits"),
        ("ledger", "0004_role_permissions"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
