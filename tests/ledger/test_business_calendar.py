"""The business calendar: closing a day opens the next one; PostgreSQL keeps the order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from ledger import services
from ledger.errors import PostingRefused
from ledger.models import BusinessDay, Holiday

from .test_database_guards import refused, sql

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FRIDAY = dt.date(2026, 11, 27)


def test_it_closes_a_friday_and_opens_the_monday_after_a_holiday(carol):
    day = BusinessDay.objects.create(date=FRIDAY)
    Holiday.objects.create(date=dt.date(2026, 11, 30), name="Founders' Day")

    opened = services.business_day_close(day=day, acting_user=carol)

    assert opened.date == dt.date(2026, 12, 1)  # Sat, Sun, the Monday holiday skipped
    assert opened.status == "open" and opened.opened_by == carol
    closed = BusinessDay.objects.get(pk=day.pk)
    assert (closed.status, closed.closed_by) == ("closed", carol)
    assert services.next_business_date(FRIDAY) == dt.date(2026, 12, 1)


def test_it_refuses_closing_the_day_to_a_clerk_and_a_coordinator(alice, bob):
    day = BusinessDay.objects.create(date=FRIDAY)

    for person in (alice, bob):
        with pytest.raises(PermissionDenied):
            services.business_day_close(day=day, acting_user=person)

    assert BusinessDay.objects.get().status == "open"


def test_it_refuses_closing_a_day_that_is_not_the_open_one(carol):
    day = BusinessDay.objects.create(date=FRIDAY)
    services.business_day_close(day=day, acting_user=carol)

    with pytest.raises(PostingRefused, match="not the open day"):
        services.business_day_close(day=day, acting_user=carol)
    with pytest.raises(PostingRefused, match="must be after"):
        services.business_day_close(
            day=BusinessDay.objects.get(status="open"), acting_user=carol, next_date=FRIDAY
        )

    assert BusinessDay.objects.filter(status="open").count() == 1


def test_the_database_refuses_a_new_day_not_later_than_every_closed_day(carol):
    day = BusinessDay.objects.create(date=FRIDAY)
    opened = services.business_day_close(day=day, acting_user=carol)
    sql("UPDATE ledger_businessday SET status = 'closed' WHERE id = %s", [opened.pk])

    for earlier in (FRIDAY - dt.timedelta(days=3), FRIDAY, opened.date):
        with refused("is not later than closed day 2026-11-30"), transaction.atomic():
            sql("INSERT INTO ledger_businessday (date, status) VALUES (%s, 'open')", [earlier])
    with refused("a business day starts open"), transaction.atomic():
        sql("INSERT INTO ledger_businessday (date, status) VALUES ('2026-12-10', 'closed')")
    with refused("is closed and cannot be changed"), transaction.atomic():
        sql("UPDATE ledger_businessday SET status = 'open' WHERE id = %s", [opened.pk])

    sql("INSERT INTO ledger_businessday (date, status) VALUES ('2026-12-01', 'open')")
    assert list(BusinessDay.objects.values_list("date", "status")) == [
        (dt.date(2026, 12, 1), "open"),
        (dt.date(2026, 11, 30), "closed"),
        (FRIDAY, "closed"),
    ]
