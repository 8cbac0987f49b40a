"""One-time tokens for forms that move money.

A form carries a signed token (user + purpose + random key). Its action runs
inside :func:`claim`: the first submission inserts the key and proceeds; a
replay (double click, refresh, retry) finds the key taken and gets the first
submission's result URL back, posting nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core import signing
from django.db import IntegrityError, transaction

from .models import IdempotencyKey

_SALT = "billing.idempotency"
MAX_AGE_SECONDS = 12 * 60 * 60


class StaleToken(Exception):
    """The token is missing, forged, for someone else, or older than a working day."""


@dataclass(frozen=True)
class Claim:
    key: str
    replay_url: str | None  # set when this token was already used


def issue_token(*, user_id: int | None, purpose: str) -> str:
    return signing.dumps({"k": secrets.token_hex(16), "u": user_id, "p": purpose}, salt=_SALT)


def read_token(token: str, *, user_id: int | None, purpose: str) -> str:
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise StaleToken("This form has expired. Reload the page and try again.") from None
    if data.get("u") != user_id or data.get("p") != purpose:
        raise StaleToken("This form was not issued to you. Reload the page and try again.")
    return str(data["k"])


def claim(*, token: str, user: User | AnonymousUser, purpose: str) -> Claim:
    """Claim the token inside the caller's transaction (call within ``atomic``)."""
    if not isinstance(user, User):  # every money form is behind login; never claim for nobody
        raise StaleToken("This form was not issued to you. Reload the page and try again.")
    key = read_token(token, user_id=user.pk, purpose=purpose)
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(key=key, user=user, purpose=purpose)
    except IntegrityError:
        used = IdempotencyKey.objects.get(key=key)
        return Claim(key=key, replay_url=used.result_url or "/")
    return Claim(key=key, replay_url=None)


def record_result(*, key: str, url: str) -> None:
    IdempotencyKey.objects.filter(key=key).update(result_url=url)
