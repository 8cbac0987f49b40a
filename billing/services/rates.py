"""Rate files into the database: ``rate_file_preview`` says what would change (and
changes nothing); ``rate_file_apply`` applies exactly the previewed file (its digest
must match), replacing each version the file names (by effective date) and keeping
versions it does not name. A version already in effect keeps its components: a
change to what bills were computed from is a new version, not an edit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing_site.common.roles import require_perm
from ledger.models import Service

from .. import selectors
from ..engine import RateRefused
from ..models import RateComponent, RateSchedule, RateVersion
from ..ratefile import differences, load

KEEP_RATES = (
    "billing.add_rateschedule",
    "billing.change_rateschedule",
    "billing.add_rateversion",
    "billing.change_rateversion",
    "billing.add_ratecomponent",
    "billing.delete_ratecomponent",
)


@dataclass(frozen=True)
class Preview:
    changes: list[str]
    digest: str


def _parse(text: str) -> list[dict[str, Any]]:
    try:
        return load(text)
    except RateRefused as refused:
        raise ValidationError({"file": refused.messages}) from None


def rate_file_preview(*, text: str, acting_user: User) -> Preview:
    """What the file would change, in words; nothing is written."""
    require_perm(acting_user, *KEEP_RATES)
    incoming = _parse(text)
    current = selectors.current_schedules(s["code"] for s in incoming)
    return Preview(differences(current, incoming), hashlib.sha256(text.encode()).hexdigest())


@transaction.atomic
def rate_file_apply(*, text: str, confirmed_digest: str, acting_user: User) -> list[str]:
    """Apply the previewed file; refused if it is not the file that was previewed."""
    preview = rate_file_preview(text=text, acting_user=acting_user)
    if preview.digest != confirmed_digest:
        raise ValidationError("This is not the file that was reviewed; preview it again.")
    for schedule in _parse(text):
        _apply_schedule(schedule, acting_user)
    return preview.changes


def _apply_schedule(data: dict[str, Any], user: User) -> None:
    service = Service.objects.filter(code=data["service"]).first()
    if service is None:
        raise ValidationError(f"Schedule {data['code']}: no service {data['service']}.")
    schedule, _ = RateSchedule.objects.select_for_update().get_or_create(
        code=data["code"],
        defaults={"name": data["name"], "service": service, "description": data["description"]},
    )
    if (schedule.name, schedule.service_id, schedule.description) != (
        data["name"], service.pk, data["description"],
    ):  # fmt: skip
        schedule.name, schedule.service, schedule.description = (
            data["name"], service, data["description"],
        )  # fmt: skip
        schedule._change_reason = "rate file"  # type: ignore[attr-defined]
        schedule.save()
    current = selectors.current_schedules([schedule.code]).get(schedule.code)
    old = {v["effective_from"]: v for v in (current or {}).get("versions", [])}
    # In date order: an earlier version is ended before the next one is added after it.
    for version in data["versions"]:
        if old.get(version["effective_from"]) != version:
            _apply_version(schedule, version, old.get(version["effective_from"]))


def _apply_version(
    schedule: RateSchedule, data: dict[str, Any], old: dict[str, Any] | None
) -> None:
    row = RateVersion.objects.filter(
        schedule=schedule, effective_from=data["effective_from"]
    ).first()
    in_effect = row is not None and row.effective_from <= timezone.localdate()
    if in_effect and old is not None and old["components"] != data["components"]:
        raise ValidationError(
            f"{schedule.code} from {data['effective_from']} is already in effect: end it and "
            "add a new version instead of changing its prices."
        )
    try:
        with transaction.atomic():
            if row is None:
                row = RateVersion(schedule=schedule, effective_from=data["effective_from"])
            row.effective_to = data["effective_to"]
            row.note = data["note"]
            row._change_reason = "rate file"  # type: ignore[attr-defined]
            row.save()
    except IntegrityError:
        raise ValidationError(
            f"{schedule.code} from {data['effective_from']}: its dates overlap another version."
        ) from None
    if old is not None and old["components"] == data["components"]:
        return
    row.components.all().delete()
    for position, c in enumerate(data["components"], start=1):
        RateComponent.objects.create(version=row, position=position, **c)
