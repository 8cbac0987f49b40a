"""Taking a meter out of a premise (no replacement): its final read and the removal,
in one transaction, with the reason in the install's history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from billing_site.common.cards import refuse_card_numbers
from billing_site.common.roles import require_perm

from ..choices import ReadKind
from ..models import Meter, MeterInstall, MeterRead


@transaction.atomic
def meter_remove(
    *, meter: Meter, on: date, final_reading: Decimal, reason: str, acting_user: User
) -> MeterInstall:
    """Remove ``meter`` from where it is installed on ``on``, with its final read."""
    require_perm(acting_user, "billing.change_meterinstall")
    refuse_card_numbers(reason=reason)  # kept in the install's history
    if not reason.strip():
        raise ValidationError({"reason": "Say why the meter comes out."})
    install = MeterInstall.objects.select_for_update().filter(meter=meter, removed_on__isnull=True)
    current = install.first()
    if current is None:
        raise ValidationError("This meter is not installed anywhere.")
    if on < current.installed_on:
        raise ValidationError({"on": "A meter cannot come out before it went in."})
    last = MeterRead.objects.filter(meter=meter).order_by("-read_date", "-pk").first()
    if last is not None and on < last.read_date:
        raise ValidationError({"on": f"The meter was read on {last.read_date:%Y-%m-%d}, later."})
    MeterRead.objects.create(
        meter=meter, premise_id=current.premise_id, read_date=on, reading=final_reading,
        kind=ReadKind.FINAL, source="meter removed", recorded_by=acting_user,
    )  # fmt: skip
    current.removed_on = on
    current._change_reason = reason[:100]  # type: ignore[attr-defined]
    current.save()
    return current
