"""Work-item permissions for the roles.

Everyone at the counter sees their own work and adds follow-ups; coordinators and
supervisors assign the office's work and run the workload report; auditors read it all."""

from django.db import migrations

from billing_site.common import roles

VIEW = [("workitem", "view_workitem")]
FOLLOW = [("workitem", "add_followup")]
ASSIGN = [("workitem", "assign_workitem"), ("workitem", "view_workload")]
ROLE_PERMS = {
    roles.CLERK: VIEW + FOLLOW,
    roles.COORDINATOR: VIEW + FOLLOW + ASSIGN,
    roles.SUPERVISOR: VIEW + FOLLOW + ASSIGN,
    roles.FIELD_TECHNICIAN: [],
    roles.AUDITOR: VIEW + [("workitem", "view_workload")],
    roles.ADMINISTRATOR: [],
}


def forwards(apps, schema_editor):
    roles.grant(apps, "work_queues", ROLE_PERMS)


class Migration(migrations.Migration):
    dependencies = [("work_queues", "0001_work_items"), ("common", "0005_role_change")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
