"""Cycles and routes: the due date by the ledger's calendar, the route sheet PDF and
the handheld download file (which the route-file import reads back)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from billing.calendar import due_date
from billing.readfiles import parse_route_file, route_fields
from ledger.models import Holiday

from .helpers import a_route, metered_account


def test_it_moves_the_due_date_to_the_next_business_day(db):
    # bill date Thu 2026-12-03 + 21 days = Thu 2026-12-24; a holiday, then Christmas: Mon 28
    Holiday.objects.create(date=date(2026, 12, 24), name="Christmas Eve")
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas Day")
    assert due_date(bill_date=date(2026, 12, 3), due_days=21) == date(2026, 12, 28)
    # a Saturday moves to Monday
    assert due_date(bill_date=date(2026, 11, 7), due_days=21) == date(2026, 11, 30)
    # a weekday that is no holiday stays
    assert due_date(bill_date=date(2026, 11, 2), due_days=21) == date(2026, 11, 23)


def test_it_downloads_a_route_for_the_handheld_in_read_sequence(client, bob, account, erin):
    metered_account(bob, account, number="M-7", reading="1234", on=date(2026, 1, 5))
    route = a_route(bob, account)
    client.force_login(erin)
    text = client.get(f"/billing/routes/{route.pk}/handheld.txt").content.decode()
    lines = text.splitlines()
    assert lines[0] == "HDR1" and lines[-1] == "TR1"
    fields = route_fields(lines[1])
    assert (fields["sequence"], fields["account"], fields["meter"]) == (
        "00010",
        account.number,
        "M-7",
    )
    # the handheld fills in the date and reading; the import reads it back
    filled = lines[1].ljust(71)
    filled = filled[:49] + "20260205" + "1290.00".rjust(12) + "01"
    reads = parse_route_file(
        "\n".join([lines[0], filled, lines[-1]]).encode(), today=date(2026, 3, 1)
    )
    assert (reads[0].meter_number, reads[0].reading) == ("M-7", D("1290.00"))


def test_it_prints_the_route_sheet(client, bob, account, dave):
    metered_account(bob, account, number="M-7", reading="1234", on=date(2026, 1, 5))
    route = a_route(bob, account)
    client.force_login(dave)
    response = client.get(f"/billing/routes/{route.pk}/sheet.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Route R1" in text and "M-7" in text and account.number in text


def test_it_refuses_a_route_stop_another_account_holds(bob, account):
    from django.core.exceptions import ValidationError

    from billing.services.agreements import route_stop_set
    from tests.factories import make_account

    route = a_route(bob, account)
    held = route.stops.get(account=account).sequence
    with pytest.raises(ValidationError, match=f"Stop {held} of this route"):
        route_stop_set(account=make_account(bob), route_id=route.pk, sequence=held, acting_user=bob)
    assert route.stops.count() == 1
