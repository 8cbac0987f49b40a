"""Role changes are history: the table, and auditors and administrators may read it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from billing_site.common import roles


def forwards(apps, schema_editor):
    readers = {
        role: [("rolechange", "view_rolechange")] for role in (roles.AUDITOR, roles.ADMINISTRATOR)
    }
    roles.grant(apps, "common", readers)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("common", "0004_roles_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RoleChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("actor_name", models.CharField(blank=True, max_length=150)),
                ("target_name", models.CharField(max_length=150)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("group", "Role (group)"),
                            ("permission", "Permission"),
                            ("superuser", "Superuser"),
                            ("staff", "Staff (admin site)"),
                        ],
                        max_length=20,
                    ),
                ),
                ("granted", models.BooleanField()),
                ("what", models.CharField(max_length=300)),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="auth.group",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
