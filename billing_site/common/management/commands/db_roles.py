"""``manage.py db_roles --owner billing_owner --app billing_app``: the two database roles.

Run once per database by a PostgreSQL superuser (``DATABASE_URL`` pointing at the
superuser for this one command), again whenever you like: it is idempotent. See
``billing_site.common.db_roles`` for what each role may do, and the README.
Passwords are read from the environment variables named by ``--owner-password-env``
and ``--app-password-env`` (never from the command line, which ``ps`` shows).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from billing_site.common import db_roles
from billing_site.env import env_str


class Command(BaseCommand):
    help = (
        "Create (or repair) the owner role that runs migrations and the application role "
        "with only the grants it needs, and hand every table to the owner."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="billing_owner", help="owns tables, migrates")
        parser.add_argument("--app", default="billing_app", help="the app's login")
        parser.add_argument("--owner-password-env", default="", metavar="VARIABLE")
        parser.add_argument("--app-password-env", default="", metavar="VARIABLE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            owner = db_roles.checked_role(options["owner"])
            app = db_roles.checked_role(options["app"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        if owner == app:
            raise CommandError("The owner and the application must be two different roles.")
        passwords = {
            role: env_str(options[f"{kind}_password_env"])
            if options[f"{kind}_password_env"]
            else None
            for role, kind in ((owner, "owner"), (app, "app"))
        }
        with transaction.atomic(), connection.cursor() as cursor:
            for role in (owner, app):
                created = db_roles.create_role(cursor, role, passwords[role])
                self.stdout.write(f"role {role}: {'created' if created else 'checked'}")
            cursor.execute(f'REVOKE "{owner}" FROM "{app}"')  # the app is no member of the owner
            db_roles.transfer_ownership(cursor, owner)
            db_roles.grant_app(cursor, owner=owner, app=app)
        self.stdout.write(
            self.style.SUCCESS(
                f"{owner} owns the database and its tables; {app} has row grants only "
                "(no UPDATE or DELETE on the journal and history tables, no TRUNCATE)."
            )
        )
