"""One-time tokens for forms that move money.

A form carries a signed token (user + purpose + random key). Its action runs
inside :func:`claim`: the first submission inserts the key and proceeds; a
replay (double click, refresh, retry) finds the key taken and gets the first
submission's result URL back, posting nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import connection
from django.utils import timezone

from .models import IdempotencyKey

_SALT = "billing.idempotency"
MAX_AGE_SECONDS = 12 * 60 * 60


class StaleToken(Exception):
    """The token is missing, forged, for someone else, or older than a working day."""


@dataclass(frozen=True)
class Claim:
    key: str
    replay_url: str | None  # set when this token was already used


def issue_token(*, user_id: int, purpose: str) -> str:
    return signing.dumps({"k": secrets.token_hex(16), "u": user_id, "p": purpose}, salt=_SALT)


def read_token(token: str, *, user_id: int, purpose: str) -> str:
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise StaleToken("This form has expired. Reload the page and try again.") from None
    if data.get("u") != user_id or data.get("p") != purpose:
        raise StaleToken("This form was not issued to you. Reload the page and try again.")
    return str(data["k"])


def claim(*, token: str, user: object, purpose: str) -> Claim:
    """Claim the token inside the caller's transaction (call within ``atomic``).

    ``ON CONFLICT DO NOTHING`` instead of catching an ``IntegrityError``: no
    savepoint is needed, and a replay still waits behind an uncommitted first
    submission (then finds the key taken, or takes it if the first rolled back).
    """
    key = read_token(token, user_id=user.pk, purpose=purpose)  # type: ignore[attr-defined]
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, user_id, purpose, result_url, created_at) "
            "VALUES (%s, %s, %s, '', %s) ON CONFLICT (key) DO NOTHING RETURNING key",
            [key, user.pk, purpose, timezone.now()],  # type: ignore[attr-defined]
        )
        taken = cursor.fetchone() is None
    if taken:
        used = IdempotencyKey.objects.values_list("result_url", flat=True).get(key=key)
        return Claim(key=key, replay_url=used or "/")
    return Claim(key=key, replay_url=None)


def record_result(*, key: str, url: str) -> None:
    IdempotencyKey.objects.filter(key=key).update(result_url=url)
