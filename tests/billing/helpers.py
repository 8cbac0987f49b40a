"""Billing test data: a water schedule, a meter installed at an account's premise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from accounts.models import Account
from billing.models import Meter, RateComponent, RateSchedule, RateVersion
from billing.services.agreements import meter_install, service_agreement_create
from tests.factories import service


def water_schedule(code: str = "W-RES") -> RateSchedule:
    schedule = RateSchedule.objects.create(
        code=code, name="Residential water", service=service("WATER")
    )
    version = RateVersion.objects.create(schedule=schedule, effective_from=date(2025, 10, 1))
    RateComponent.objects.create(
        version=version, position=1, code="base", label="Base charge", kind="fixed",
        fixed_basis="bill", amount=Decimal("12.50"),
    )  # fmt: skip
    RateComponent.objects.create(
        version=version, position=2, code="use", label="Water use", kind="volumetric",
        usage_basis="metered", unit_size=Decimal(1000), unit_label="kgal", amount=Decimal("3.10"),
    )  # fmt: skip
    return schedule


def metered_account(
    by: User, account: Account, *, number: str = "M-1001", reading: str = "1000", dials: int = 6,
    multiplier: str = "1", on: date = date(2025, 1, 2),
) -> Meter:  # fmt: skip
    meter = Meter.objects.create(
        number=number, size="5/8", service=service("WATER"), dials=dials,
        multiplier=Decimal(multiplier),
    )  # fmt: skip
    meter_install(
        meter=meter, premise_id=account.premise_id, on=on, reading=Decimal(reading), acting_user=by
    )
    return meter


def agreement(by: User, account: Account, schedule: RateSchedule, **determinants):
    return service_agreement_create(
        account=account, rate_schedule=schedule, start_date=date(2025, 1, 1), acting_user=by,
        **determinants,
    )  # fmt: skip


def billing_url_values(by: User, account: Account) -> dict[str, int]:
    """A read import and a read exception, for the site-wide URL walks."""
    from billing.services.imports import read_import_run, read_import_start

    data = b"meter,account,read_date,reading,read_code\nNO-SUCH-METER,,2025-01-05,10,01\n"
    read_import, _ = read_import_start(
        file_name="walk.csv", data=data, format="csv", acting_user=by
    )
    read_import_run(read_import=read_import)
    exception = read_import.readexception_set.get()
    route = a_route(by, account)
    taken = agreement(by, account, water_schedule(f"W-WALK-{account.pk}"))
    return {
        "import_pk": read_import.pk, "exception_pk": exception.pk, "route_pk": route.pk,
        "agreement_pk": taken.pk,
    }  # fmt: skip


def a_route(by: User, account: Account):
    from billing.models import BillingCycle, Route
    from billing.services.agreements import route_stop_set

    cycle, _ = BillingCycle.objects.get_or_create(code="C1", defaults={"name": "Cycle 1"})
    route, _ = Route.objects.get_or_create(code="R1", defaults={"name": "North", "cycle": cycle})
    last = route.stops.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    route_stop_set(account=account, route_id=route.pk, sequence=last + 10, acting_user=by)
    return route
