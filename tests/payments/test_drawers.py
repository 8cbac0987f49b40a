"""Drawers: a counted float, one open drawer per clerk, over/short posted on its own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ledger.models import JournalTransaction
from payments import services
from payments.choices import DrawerStatus

from .helpers import check, gl_total, open_drawer, pay

D = Decimal
pytestmark = pytest.mark.django_db


def test_it_opens_a_drawer_with_the_counted_float(alice, business_day) -> None:
    drawer = services.drawer_open(counts={"d20": 4, "d5": 3, "c25": 8}, acting_user=alice)
    assert drawer.float_amount.amount == D("97.00")
    assert drawer.business_date == business_day.date


def test_it_allows_one_open_drawer_per_clerk(alice, business_day) -> None:
    open_drawer(alice)
    with pytest.raises(ValidationError, match="already have an open drawer"):
        open_drawer(alice)


def test_it_refuses_a_drawer_to_the_auditor(erin, business_day) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        open_drawer(erin)


def test_it_posts_a_shortage_to_over_short_on_its_own(alice, account, business_day) -> None:
    drawer = open_drawer(alice)  # $100 float
    pay(alice, drawer, account, "30.00")  # cash
    pay(alice, drawer, account, "45.00", check("45.00", "2001"))
    closed = services.drawer_close(
        drawer=drawer,
        counts={"d100": 1, "d20": 1, "d5": 1, "d1": 3},  # 128.00 instead of 130.00
        checks=[("2001", D("45.00"))],
        acting_user=alice,
    )
    assert closed.status == DrawerStatus.CLOSED
    assert closed.expected_cash.amount == D("130.00")
    assert closed.expected_checks.amount == D("45.00")
    assert closed.over_short.amount == D("-2.00")
    txn = JournalTransaction.objects.get(pk=closed.over_short_transaction_id)
    assert txn.kind == "over_short"
    assert {e.gl_account.code: e.amount.amount for e in txn.entries.all()} == {
        "001-5910": D("2.00"),
        "999-1010": D("-2.00"),
    }
    assert gl_total("001-5910") == D("2.00")


def test_it_posts_nothing_when_the_drawer_balances(alice, account, business_day) -> None:
    drawer = open_drawer(alice)
    pay(alice, drawer, account, "20.00")
    closed = services.drawer_close(drawer=drawer, counts={"d20": 6}, checks=[], acting_user=alice)
    assert closed.over_short.amount == D("0.00")
    assert closed.over_short_transaction is None


def test_it_keeps_each_drawers_over_short_apart(alice, bob, account, business_day) -> None:
    a, b = open_drawer(alice), open_drawer(bob)
    services.drawer_close(drawer=a, counts={"d20": 5, "d1": 1}, checks=[], acting_user=alice)
    services.drawer_close(
        drawer=b, counts={"d20": 4, "d10": 1, "d5": 1, "d1": 4}, checks=[], acting_user=bob
    )
    kinds = JournalTransaction.objects.filter(kind="over_short").count()
    assert kinds == 2  # +1.00 and -1.00 are never netted


def test_it_refuses_to_close_someone_elses_drawer(alice, bob, business_day) -> None:
    drawer = open_drawer(alice)
    with pytest.raises(ValidationError, match="Only the clerk"):
        services.drawer_close(drawer=drawer, counts={}, checks=[], acting_user=bob)


def test_nobody_posts_into_someone_elses_drawer(alice, bob, account, business_day) -> None:
    drawer = open_drawer(alice)
    with pytest.raises(ValidationError, match="not your drawer"):
        pay(bob, drawer, account, "10.00")


def _posted(**fields: str):  # type: ignore[no-untyped-def]
    from urllib.parse import urlencode

    from django.http import QueryDict

    return QueryDict(urlencode(fields))


@pytest.mark.parametrize(
    ("typed", "listed"),
    [
        ("1042 25.00", [("1042", D("25.00"))]),
        ("1042 $1,119.40", [("1042", D("1119.40"))]),
        ("1042, $1,119.40\n\n77 5", [("1042", D("1119.40")), ("77", D("5.00"))]),
        ("1042,25.00", [("1042", D("25.00"))]),
    ],
)
def test_the_check_list_reads_amounts_as_people_write_them(typed, listed) -> None:
    from payments.forms import DrawerCloseForm

    form = DrawerCloseForm(_posted(checks=typed, d20="1"))
    form.is_valid()
    assert form.cleaned_data["checks"] == listed


def test_the_check_list_explains_a_line_it_cannot_read() -> None:
    from payments.forms import DrawerCloseForm

    form = DrawerCloseForm(_posted(checks="1042", d20="1"))
    assert not form.is_valid()
    assert "Line 1: write the number, then the amount." in form.errors["checks"]
