"""One-time tokens for forms that move money.

A form carries a signed token (user + purpose + random key). Its action runs
inside :func:`claim`: the first submission inserts the key and proceeds; a
replay (double click, refresh, retry) finds the key taken and gets the first
submission's result URL back, posting nothing.

A token is bound to its form and object: the claim records a digest of what was
sent (:func:`form_digest`: the purpose, the object the URL names, the posted
fields but the token and CSRF token). A replay with the same digest is a replay;
one with another digest (a payment token sent again with another account or
amount, the void token of receipt A used on receipt B) is refused with
:class:`TokenReused`, and nothing is posted.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core import signing
from django.db import connection
from django.utils import timezone

from .models import IdempotencyKey

_SALT = "billing.idempotency"
MAX_AGE_SECONDS = 12 * 60 * 60


class StaleToken(Exception):
    """The token is missing, forged, for someone else, or older than a working day."""


class TokenReused(StaleToken):
    """The token was already used for this form with other details."""


REUSED_MESSAGE = (
    "This form was already sent with different details; nothing was posted. "
    "Start again from the form below: check the details and send it once more."
)


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


def form_digest(
    *, purpose: str, bound_to: Mapping[str, object], fields: Iterable[tuple[str, list[str]]]
) -> str:
    """What a submission is about: its purpose, its object and the fields that were sent.

    Field order does not matter; the order of a field's values does.
    """
    content = {
        "purpose": purpose,
        "object": {name: str(value) for name, value in sorted(bound_to.items())},
        "fields": sorted((name, list(values)) for name, values in fields),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def claim(*, token: str, user: User | AnonymousUser, purpose: str, digest: str = "") -> Claim:
    """Claim the token inside the caller's transaction (call within ``atomic``).

    ``digest`` (from :func:`form_digest`) binds the token to what was sent; a
    claim without one (or a key claimed before digests were kept) binds nothing.
    ``ON CONFLICT DO NOTHING`` instead of catching an ``IntegrityError``: no
    savepoint is needed, and a replay still waits behind an uncommitted first
    submission (then finds the key taken, or takes it if the first rolled back).
    """
    if not isinstance(user, User):  # every money form is behind login; never claim for nobody
        raise StaleToken("This form was not issued to you. Reload the page and try again.")
    key = read_token(token, user_id=user.pk, purpose=purpose)
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, user_id, purpose, result_url, digest, created_at) "
            "VALUES (%s, %s, %s, '', %s, %s) ON CONFLICT (key) DO NOTHING RETURNING key",
            [key, user.pk, purpose, digest, timezone.now()],
        )
        taken = cursor.fetchone() is None
    if taken:
        url, used_digest = IdempotencyKey.objects.values_list("result_url", "digest").get(key=key)
        if used_digest and digest and used_digest != digest:
            raise TokenReused(REUSED_MESSAGE)
        return Claim(key=key, replay_url=url or "/")
    return Claim(key=key, replay_url=None)


def record_result(*, key: str, url: str) -> None:
    IdempotencyKey.objects.filter(key=key).update(result_url=url)
