"""Service agreements and meters: who takes which service where, on what schedule,
and which meter measures it (installs, removals and meter changes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.roles import require_perm

from ..choices import ReadKind
from ..models import Meter, MeterInstall, MeterRead, RateSchedule, RouteStop, ServiceAgreement

AGREEMENT_FIELDS = (
    "rate_schedule",
    "start_date",
    "end_date",
    "dwelling_units",
    "meter_size",
    "eru",
    "impervious_area",
    "carts",
    "flat_quantity",
)


def _texts(values: dict[str, Any]) -> dict[str, str]:
    """The typed texts among an agreement's determinants (the meter size)."""
    return {name: value for name, value in values.items() if isinstance(value, str)}


@transaction.atomic
def service_agreement_create(
    *,
    account: Account,
    rate_schedule: RateSchedule,
    start_date: date,
    acting_user: User,
    **determinants: Any,
) -> ServiceAgreement:
    """``account`` takes the schedule's service at its premise from ``start_date``."""
    require_perm(acting_user, "billing.add_serviceagreement")
    unknown = set(determinants) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"Not agreement fields: {', '.join(sorted(unknown))}")
    refuse_card_numbers(**_texts(determinants))
    agreement = ServiceAgreement(
        account=account,
        premise_id=account.premise_id,
        service_id=rate_schedule.service_id,
        rate_schedule=rate_schedule,
        start_date=start_date,
        **determinants,
    )
    agreement.full_clean()
    agreement._change_reason = "agreement started"  # type: ignore[attr-defined]
    agreement.save()
    return agreement


@transaction.atomic
def service_agreement_change(
    *, agreement: ServiceAgreement, reason: str, acting_user: User, **changes: Any
) -> ServiceAgreement:
    """Change the schedule, dates or determinants; history names who and why."""
    require_perm(acting_user, "billing.change_serviceagreement")
    refuse_card_numbers(reason=reason, **_texts(changes))  # before the agreement is read
    if not reason.strip():
        raise ValidationError({"reason": "Say why the agreement changes."})
    locked = ServiceAgreement.objects.select_for_update().get(pk=agreement.pk)
    for name, value in changes.items():
        if name not in AGREEMENT_FIELDS:
            raise TypeError(f"{name} is not an agreement field")
        setattr(locked, name, value)
    if locked.rate_schedule.service_id != locked.service_id:
        raise ValidationError({"rate_schedule": "The schedule is for another service."})
    locked.full_clean()
    locked._change_reason = reason[:100]  # type: ignore[attr-defined]
    locked.save()
    return locked


@transaction.atomic
def meter_install(
    *, meter: Meter, premise_id: int, on: date, reading: Decimal, acting_user: User
) -> MeterInstall:
    """Set ``meter`` at a premise; its initial read is recorded the same day."""
    require_perm(acting_user, "billing.add_meterinstall")
    install = MeterInstall(meter=meter, premise_id=premise_id, installed_on=on)
    install.full_clean()
    install.save()
    MeterRead.objects.create(
        meter=meter,
        premise_id=premise_id,
        read_date=on,
        reading=reading,
        kind=ReadKind.INITIAL,
        source="installed",
        recorded_by=acting_user,
    )
    return install


@transaction.atomic
def meter_change(
    *,
    old: Meter,
    final_reading: Decimal,
    new: Meter,
    initial_reading: Decimal,
    on: date,
    acting_user: User,
) -> MeterInstall:
    """Swap meters: the old one's final read and removal, the new one's install and initial read."""
    require_perm(acting_user, "billing.change_meterinstall", "billing.add_meterinstall")
    install = MeterInstall.objects.select_for_update().get(meter=old, removed_on__isnull=True)
    MeterRead.objects.create(
        meter=old,
        premise_id=install.premise_id,
        read_date=on,
        reading=final_reading,
        kind=ReadKind.FINAL,
        source="meter change",
        recorded_by=acting_user,
    )
    install.removed_on = on
    install._change_reason = f"replaced by meter {new.number}"  # type: ignore[attr-defined]
    install.save()
    return meter_install(
        meter=new, premise_id=install.premise_id, on=on, reading=initial_reading,
        acting_user=acting_user,
    )  # fmt: skip


@transaction.atomic
def route_stop_set(
    *, account: Account, route_id: int, sequence: int, acting_user: User
) -> RouteStop:
    """Put ``account`` on a route (and so in its cycle) at ``sequence``."""
    require_perm(acting_user, "billing.add_routestop", "billing.change_routestop")
    taken = RouteStop.objects.filter(route_id=route_id, sequence=sequence).exclude(account=account)
    if taken.exists():
        raise ValidationError({"sequence": f"Stop {sequence} of this route is another account's."})
    stop, _ = RouteStop.objects.update_or_create(
        account=account, defaults={"route_id": route_id, "sequence": sequence}
    )
    return stop
