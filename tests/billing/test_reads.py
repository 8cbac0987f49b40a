"""Meter arithmetic (multiplier, rollover, meter change, estimates), each read check,
the exceptions queue and who may do what with reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from billing import selectors
from billing.choices import ExceptionRule, ExceptionStatus, ReadKind
from billing.models import Meter, MeterRead, ReadException
from billing.reads import ReadPoint, consumption, period_consumption
from billing.services.agreements import meter_change
from billing.services.reads import (
    Proposed,
    ReadChecker,
    meter_read_correct,
    meter_read_estimate,
    meter_read_record,
    read_exception_accept,
    read_exception_correct,
    read_exception_request_reread,
    sort_out,
)
from tests.factories import make_account, service

from .helpers import metered_account


def test_it_multiplies_consumption():
    # (1,500 - 1,000) x 10 = 5,000
    assert consumption(previous=D(1000), reading=D(1500), dials=6, multiplier=D(10)) == D(5000)


def test_it_rolls_over_when_the_dials_wrap():
    # 4 dials: 9,950 -> 30 is 10,000 - 9,950 + 30 = 80
    assert consumption(previous=D(9950), reading=D(30), dials=4, multiplier=D(1)) == D(80)
    # 5,000 -> 4,990 would be 9,990 through a wrap: more than half the dials, so negative use
    assert consumption(previous=D(5000), reading=D(4990), dials=4, multiplier=D(1)) is None


def test_it_adds_the_old_meters_use_to_the_new_ones_across_a_meter_change():
    points = [
        ReadPoint("OLD", date(2026, 1, 1), D(1000)),
        ReadPoint("OLD", date(2026, 2, 1), D(1500)),  # final
        ReadPoint("NEW", date(2026, 2, 1), D(0)),  # initial
        ReadPoint("NEW", date(2026, 3, 1), D(300)),
    ]
    assert period_consumption(points) == D(800)  # 500 + 300


def test_it_reads_usage_across_a_recorded_meter_change(bob, dave, account):
    old = metered_account(bob, account, number="OLD-1", reading="1000", on=date(2026, 1, 1))
    new = Meter.objects.create(number="NEW-1", size="5/8", service=service("WATER"))
    meter_change(
        old=old, final_reading=D(1500), new=new, initial_reading=D(0), on=date(2026, 2, 1),
        acting_user=bob,
    )  # fmt: skip
    meter_read_record(meter=new, read_date=date(2026, 3, 1), reading=D(300), acting_user=dave)
    usage = selectors.usage_for(
        premise_id=account.premise_id,
        service_id=service("WATER").pk,
        start=date(2026, 1, 1),
        end=date(2026, 3, 1),
    )
    assert usage == D(800)


def test_it_estimates_a_missing_read_from_average_daily_use(bob, dave, account):
    meter = metered_account(bob, account, reading="1000", on=date(2026, 1, 1))
    meter_read_record(meter=meter, read_date=date(2026, 2, 1), reading=D(1310), acting_user=dave)
    # 310 in 31 days = 10 a day; 30 days later: 1,310 + 300 = 1,610, marked estimated
    estimate = meter_read_estimate(meter=meter, on=date(2026, 3, 3), acting_user=dave)
    assert estimate.reading == D("1610.00")
    assert estimate.kind == ReadKind.ESTIMATED


def test_it_refuses_an_estimate_without_history(bob, dave, account):
    meter = metered_account(bob, account, on=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="no history"):
        meter_read_estimate(meter=meter, on=date(2026, 2, 1), acting_user=dave)


@pytest.fixture
def history(bob, dave, account):
    """A year-old June: 10 gallons a day (May 1 to June 1, 2025)."""
    meter = metered_account(bob, account, reading="1000", on=date(2025, 5, 1))
    meter_read_record(meter=meter, read_date=date(2025, 6, 1), reading=D(1310), acting_user=dave)
    return meter


@pytest.mark.parametrize(
    ("read_date", "reading", "rule"),
    [
        (date(2026, 6, 1), D(1310 + 365 * 25), ExceptionRule.HIGH),  # 25 a day > 200% of 10
        (date(2026, 6, 1), D(1310 + 365), ExceptionRule.LOW),  # 1 a day < 25% of 10
        (date(2026, 6, 1), D(1310), ExceptionRule.ZERO),
        (date(2026, 6, 1), D(1200), ExceptionRule.NEGATIVE),
        (date(2025, 5, 20), D(1400), ExceptionRule.BEFORE_LAST),
    ],
)
def test_it_queues_a_read_that_fails_a_check(history, dave, read_date, reading, rule):
    result = meter_read_record(
        meter=history, read_date=read_date, reading=reading, acting_user=dave
    )
    assert isinstance(result, ReadException)
    assert result.rule == rule
    assert result.status == ExceptionStatus.OPEN


def test_it_stores_a_read_within_the_usual_range(history, dave):
    result = meter_read_record(
        meter=history, read_date=date(2026, 6, 1), reading=D(1310 + 365 * 12), acting_user=dave
    )
    assert isinstance(result, MeterRead)


def test_it_keeps_reads_append_only_in_postgresql(history):
    read = MeterRead.objects.filter(meter=history).first()
    for sql in ("UPDATE billing_meterread SET reading = 1 WHERE id = %s",
                "DELETE FROM billing_meterread WHERE id = %s"):  # fmt: skip
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [read.pk])


@pytest.fixture
def queued(history, dave):
    return meter_read_record(
        meter=history, read_date=date(2026, 6, 1), reading=D(1310 + 365 * 25), acting_user=dave
    )


def test_it_lets_a_coordinator_accept_an_exception(queued, bob):
    done = read_exception_accept(exception=queued, acting_user=bob, reason="Pool filled")
    assert done.status == ExceptionStatus.ACCEPTED
    assert done.read.reading == queued.reading
    with pytest.raises(ValidationError, match="already accepted"):
        read_exception_accept(exception=queued, acting_user=bob)


def test_it_lets_a_coordinator_correct_an_exception_with_a_reason(queued, bob):
    with pytest.raises(ValidationError):
        read_exception_correct(exception=queued, reading=D(5000), reason=" ", acting_user=bob)
    done = read_exception_correct(
        exception=queued, reading=D(5000), reason="Digits transposed", acting_user=bob
    )
    assert done.status == ExceptionStatus.CORRECTED
    assert done.read.reading == D(5000)
    assert done.read.reason == "Digits transposed"


def test_it_lets_a_coordinator_ask_for_a_re_read(queued, bob):
    done = read_exception_request_reread(exception=queued, acting_user=bob)
    assert done.status == ExceptionStatus.REREAD
    assert done.read is None


def test_it_lets_a_field_technician_record_reads_but_not_resolve_exceptions(queued, dave):
    with pytest.raises(PermissionDenied):
        read_exception_accept(exception=queued, acting_user=dave)
    with pytest.raises(PermissionDenied):
        read_exception_correct(exception=queued, reading=D(1), reason="x", acting_user=dave)


def test_it_refuses_a_clerk_recording_a_read(history, alice):
    with pytest.raises(PermissionDenied):
        meter_read_record(
            meter=history, read_date=date(2026, 6, 1), reading=D(5000), acting_user=alice
        )


def test_it_corrects_a_read_with_a_new_read(history, bob):
    read = MeterRead.objects.filter(meter=history).order_by("-read_date").first()
    fixed = meter_read_correct(read=read, reading=D(1300), reason="Misread", acting_user=bob)
    assert fixed.corrects == read
    read.refresh_from_db()
    assert read.reading == D(1310)  # the original stays as it was


def test_it_queues_a_meter_at_another_premise(bob, dave, account):
    meter = metered_account(bob, account, on=date(2026, 1, 1))
    other = make_account(bob)
    p = Proposed(meter.number, date(2026, 2, 1), D(1500), account_number=other.number)
    reads, failed = sort_out(ReadChecker([p]), [p], dave)
    assert not reads
    assert failed[0].rule == ExceptionRule.OTHER_PREMISE
