"""``manage.py migrate``, run as the owner role when ``DATABASE_OWNER_URL`` is set.

The application's own login (``DATABASE_URL``) owns nothing and cannot change the
schema, so migrations connect as the owner instead: the default connection is
pointed at the owner before anything runs, so every part of a migration (schema
changes, data migrations, the permissions and content types Django creates
afterwards) runs as the owner in one session. Afterwards the application role
(the user of ``DATABASE_URL``) gets its grants on any table the migration added
(``billing_site.common.db_roles.grant_app``). Without ``DATABASE_OWNER_URL`` this is
Django's ``migrate`` unchanged (development, tests).
"""

from __future__ import annotations

from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections, transaction

from billing_site.common import db_roles


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DATABASE_OWNER_URL or options["database"] != "default":
            return super().handle(*args, **options)
        default = connections["default"]
        app_user = default.settings_dict["USER"]
        as_owner = dj_database_url.parse(settings.DATABASE_OWNER_URL)
        # Not NAME: the database is the one this connection names (the test database
        # during a test run), only who logs in to it changes.
        keys = ("USER", "PASSWORD", "HOST", "PORT")
        saved = {key: default.settings_dict[key] for key in keys}
        default.close()
        default.settings_dict.update({key: as_owner[key] for key in keys})
        try:
            super().handle(*args, **options)
            with transaction.atomic(), default.cursor() as cursor:
                db_roles.grant_app(cursor, owner=as_owner["USER"], app=app_user)
        finally:
            default.close()
            default.settings_dict.update(saved)
