"""Collections permissions for the roles, and the starting reference data a city reviews:
late-fee rules (1.5% of the past-due amount, at least $5.00, none under $10.00, after ten
calendar days of grace), the delinquency timeline, and the letter templates.

Coordinators and supervisors run agings, late fees and notices and waive fees; auditors
read everything; clerks read letters and agings on the account page only; administrators
keep rules, steps and templates."""

from decimal import Decimal

from django.db import migrations

from billing_site.common import roles

READ = [
    ("agingrun", "view_agingrun"),
    ("latefeerun", "view_latefeerun"),
    ("noticerun", "view_noticerun"),
    ("letter", "view_letter"),
    ("latefeerule", "view_latefeerule"),
    ("noticestep", "view_noticestep"),
]
RUN = [
    ("agingrun", "add_agingrun"),
    ("latefeerun", "add_latefeerun"),
    ("latefeerun", "post_latefeerun"),
    ("latefeewaiver", "waive_latefee"),
    ("noticerun", "add_noticerun"),
    ("noticerun", "post_noticerun"),
    ("letter", "add_letter"),
]
KEEP = [
    (model, f"{action}_{model}")
    for model in ("latefeerule", "noticestep", "lettertemplate")
    for action in ("add", "change", "view")
]
ROLE_PERMS = {
    roles.CLERK: [("letter", "view_letter")],
    roles.COORDINATOR: READ + RUN,
    roles.SUPERVISOR: READ + RUN,
    roles.AUDITOR: READ,
    roles.ADMINISTRATOR: KEEP,
    roles.FIELD_TECHNICIAN: [],
}

LETTERS = [
    (
        "reminder",
        "notice",
        "Past-due reminder",
        "Your utility account is past due",
        "Dear {{ customer }},\n\nOur records show {{ past_due }} on account {{ account_number }} "
        "({{ premise }}) was due on {{ due_date }} and is still unpaid. Please pay it by "
        "{{ pay_by }} to avoid further collection steps.\n\nIf you have paid in the last few days, "
        "thank you, and please disregard this letter.",
    ),
    (
        "shutoff",
        "notice",
        "Shut-off notice",
        "Notice of service disconnection",
        "Dear {{ customer }},\n\nAccount {{ account_number }} ({{ premise }}) owes {{ past_due }} "
        "past due since {{ due_date }}. {% if fee %}A notice fee of {{ fee }} has been added. {% endif %}"
        "Unless the past-due amount is paid by {{ pay_by }}, water service at this address may be "
        "disconnected without further notice.\n\nTo set up a payment arrangement, call or visit "
        "the utility billing office before that date.",
    ),
    (
        "final48",
        "notice",
        "Final 48-hour notice",
        "FINAL NOTICE: disconnection in 48 hours",
        "Dear {{ customer }},\n\nService at {{ premise }} (account {{ account_number }}) is "
        "scheduled for disconnection on or after {{ pay_by }}. The past-due amount is "
        "{{ past_due }}. Pay it in full before then to keep service on.",
    ),
    (
        "plan",
        "plan_agreement",
        "Payment plan agreement",
        "Your payment arrangement",
        "Dear {{ customer }},\n\nThis confirms the payment arrangement on account "
        "{{ account_number }}. {{ text }}",
    ),
    (
        "deposit",
        "deposit",
        "Deposit requirement",
        "Security deposit required",
        "Dear {{ customer }},\n\nA security deposit is required on account {{ account_number }}. "
        "{{ text }}",
    ),
    (
        "refund",
        "refund",
        "Refund",
        "Refund of your credit or deposit",
        "Dear {{ customer }},\n\nAbout account {{ account_number }}: {{ text }}",
    ),
    (
        "referral",
        "referral",
        "Collection referral",
        "Your account is being referred for collection",
        "Dear {{ customer }},\n\nAccount {{ account_number }} remains unpaid. {{ text }}",
    ),
    (
        "general",
        "general",
        "General letter",
        "About your utility account",
        "Dear {{ customer }},\n\n{{ text }}",
    ),
]
STEPS = [
    # code, name, position, days, kind, minimum, fee, letter, needs_previous, disconnect, flags
    (
        "reminder",
        "Past-due reminder",
        1,
        5,
        "calendar",
        "5.00",
        "0",
        "reminder",
        False,
        False,
        ["dispute"],
    ),
    (
        "shutoff",
        "Shut-off notice",
        2,
        15,
        "calendar",
        "25.00",
        "10.00",
        "shutoff",
        True,
        False,
        ["dispute"],
    ),
    (
        "final48",
        "Final 48-hour notice",
        3,
        20,
        "business",
        "25.00",
        "0",
        "final48",
        True,
        False,
        ["dispute", "do_not_disconnect", "medical_need"],
    ),
    (
        "doorhanger",
        "Door hanger",
        4,
        22,
        "business",
        "25.00",
        "0",
        None,
        True,
        False,
        ["dispute", "do_not_disconnect", "medical_need"],
    ),
    (
        "disconnect",
        "Disconnect",
        5,
        24,
        "business",
        "25.00",
        "0",
        None,
        True,
        True,
        ["dispute", "do_not_disconnect", "medical_need"],
    ),
]


def forwards(apps, schema_editor):
    roles.grant(apps, "collections", ROLE_PERMS)
    Service = apps.get_model("ledger", "Service")
    Rule = apps.get_model("collections", "LateFeeRule")
    Template = apps.get_model("collections", "LetterTemplate")
    Step = apps.get_model("collections", "NoticeStep")
    penalty = Service.objects.filter(code="PEN").first()
    if penalty is not None:
        for service in Service.objects.exclude(code__in=["PEN", "RPF"]):
            Rule.objects.get_or_create(
                service=service, account_class="",
                defaults={
                    "fee_service": penalty, "grace_days": 10, "grace_kind": "calendar",
                    "percent": Decimal("1.5"), "minimum": Decimal("5.00"),
                    "minimum_past_due": Decimal("10.00"),
                },
            )  # fmt: skip
    templates = {}
    for code, kind, name, subject, body in LETTERS:
        templates[code], _ = Template.objects.get_or_create(
            code=code, defaults={"kind": kind, "name": name, "subject": subject, "body": body}
        )
    for code, name, pos, days, kind, minimum, fee, letter, prev, disc, flags in STEPS:
        Step.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "position": pos, "days": days, "day_kind": kind,
                "minimum_past_due": Decimal(minimum), "fee": Decimal(fee),
                "fee_service": penalty if Decimal(fee) else None,
                "letter_template": templates.get(letter) if letter else None,
                "needs_previous": prev, "is_disconnect": disc, "excluded_flags": flags,
            },
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("collections", "0001_aging_late_fees_notices_letters"),
        ("ledger", "0004_role_permissions"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
