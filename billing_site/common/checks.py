"""Deploy checks (``manage.py check --deploy``) on the database role the application uses.

In production the application's login must be neither a superuser nor the owner
of the ledger's tables (``billing_site.common.db_roles``): either would let it
disable triggers, truncate, or edit the journal. The check connects to the
database; when it cannot (a build machine), it says so as information only.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Info, Tags, Warning, register
from django.db import DatabaseError, connection

from . import db_roles


@register(Tags.security, deploy=True)
def check_database_role(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        problems = db_roles.role_problems(connection)
    except DatabaseError as error:
        return [
            Info(
                f"The database role was not checked: cannot connect ({error.__class__.__name__}).",
                id="common.I001",
            )
        ]
    return [
        Warning(
            problem,
            hint="Run `manage.py db_roles` as a superuser and point DATABASE_URL at the "
            "application role, DATABASE_OWNER_URL at the owner (README, production).",
            id="common.W001",
        )
        for problem in problems
    ]
