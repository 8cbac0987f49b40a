"""The city's GL interface file: one summarised, balanced journal per closed business day
(docs/gl_export.md), exported once and reproduced byte for byte."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from billing_site.common.models import Document
from ledger import gl_export
from ledger import services as ledger
from ledger.models import BusinessDay, GLExport, JournalEntry
from tests.adjustments.helpers import charge
from tests.factories import make_account
from tests.ledger.gl_helpers import close_open_day

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def two_days(bob, carol, business_day) -> tuple[BusinessDay, BusinessDay]:
    """Day 1: a water and sewer bill, a payment. Day 2: another bill, a payment with credit."""
    a, b = make_account(bob), make_account(bob)
    charge(a, bob, WATER="120.00", SEWER="80.00")
    ledger.post_payment(account=a, amount=D("150.00"), memo="Paid", acting_user=bob)
    first = close_open_day(carol)
    charge(b, bob, TRASH="25.00")
    ledger.post_payment(account=b, amount=D("40.00"), memo="Paid ahead", acting_user=bob)
    ledger.post_payment(account=a, amount=D("50.00"), memo="Rest", acting_user=bob)
    second = close_open_day(carol)
    return first, second


def _parse(data: bytes) -> tuple[list[list[str]], list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == gl_export.COLUMNS
    return [r for r in rows[1:] if r[0] == "D"], rows[-1]


def _journal_of(day: BusinessDay) -> dict[str, tuple[Decimal, Decimal]]:
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [D("0"), D("0")])
    for e in JournalEntry.objects.filter(transaction__business_date=day.date).select_related(
        "gl_account"
    ):
        amount = e.amount.amount
        sums[e.gl_account.code][0 if amount > 0 else 1] += abs(amount)
    return {code: (dr, cr) for code, (dr, cr) in sums.items()}


def test_it_writes_a_balanced_file_matching_each_days_journal(bob, carol, two_days) -> None:
    for day in two_days:
        export, new = gl_export.gl_export_day(day=day, acting_user=bob)
        assert new
        lines, trailer = _parse(gl_export.day_file(day)[0])
        debits = sum((D(r[7]) for r in lines), D("0"))
        credits = sum((D(r[8]) for r in lines), D("0"))
        assert debits == credits == D(trailer[7]) == D(trailer[8]) == export.control_total
        assert trailer[:4] == ["T", f"UB{day.date:%Y%m%d}", day.date.isoformat(), str(len(lines))]
        found = {r[5]: (D(r[7]), D(r[8])) for r in lines}
        assert found == _journal_of(day)
        assert all(r[2] == day.date.isoformat() for r in lines)
        assert {r[4] for r in lines} == {r[5][:3] for r in lines}  # fund of each GL account


def test_it_keeps_each_day_to_its_own_postings(bob, two_days) -> None:
    first, second = two_days
    one = {r[5]: r for r in _parse(gl_export.day_file(first)[0])[0]}
    two = {r[5]: r for r in _parse(gl_export.day_file(second)[0])[0]}
    assert one["420-1210"][7:] == ["80.00", "30.00"]  # sewer billed, $30 of it paid on day 1
    assert two["420-1210"][7:] == ["0.00", "50.00"]  # the rest paid on day 2
    assert two["440-1210"][7] == "25.00" and "440-1210" not in one  # trash on day 2 only
    assert one["999-1010"][7] == "150.00" and two["999-1010"][7] == "90.00"
    totals = JournalEntry.objects.filter(transaction__business_date=second.date, amount__gt=0)
    assert D(_parse(gl_export.day_file(second)[0])[1][7]) == totals.aggregate(t=Sum("amount"))["t"]


def test_a_second_export_says_so_and_gives_back_the_same_bytes(bob, carol, two_days) -> None:
    first, _ = two_days
    before = gl_export.day_file(first)[0]  # an auditor's look before the export, unmarked
    assert not GLExport.objects.exists()
    export, new = gl_export.gl_export_day(day=first, acting_user=bob)
    again, new_again = gl_export.gl_export_day(day=first, acting_user=carol)
    assert new and not new_again and again.pk == export.pk and again.exported_by == bob
    assert gl_export.day_file(first)[0] == before
    assert Document.objects.filter(kind=gl_export.KIND).count() == 1


def test_it_refuses_the_open_day_and_a_clerk(alice, bob, two_days) -> None:
    open_day = BusinessDay.objects.get(status="open")
    with pytest.raises(ValidationError):
        gl_export.gl_export_day(day=open_day, acting_user=bob)
    with pytest.raises(PermissionDenied):
        gl_export.gl_export_day(day=two_days[0], acting_user=alice)


def test_it_exports_over_http_and_says_so_the_second_time(client: Client, bob, two_days) -> None:
    first, _ = two_days
    client.force_login(bob)
    url = reverse("ledger:gl_export", args=[first.pk])
    page = client.post(url, follow=True)
    assert "is exported" in page.content.decode()
    download = client.get(reverse("ledger:gl_file", args=[first.pk]))
    assert download["Content-Disposition"].endswith(f'gl-journal-{first.date:%Y%m%d}.csv"')
    again = client.post(url, follow=True).content.decode()
    assert "was already exported" in again
    assert client.get(reverse("ledger:gl_file", args=[first.pk])).content == download.content


def test_the_page_lists_closed_days_with_their_status(
    client: Client, bob, two_days, django_assert_max_num_queries
) -> None:
    first, _second = two_days
    gl_export.gl_export_day(day=first, acting_user=bob)
    client.force_login(bob)
    client.get(reverse("ledger:gl_exports"))  # warm the session's role cache
    with django_assert_max_num_queries(8):
        html = client.get(reverse("ledger:gl_exports")).content.decode()
    assert f'data-day="{first.date:%Y-%m-%d}"' in html and "Not exported" in html
    assert html.count("data-gl-export") == 2


def test_an_auditor_downloads_but_does_not_export(client: Client, erin, two_days) -> None:
    client.force_login(erin)
    assert client.get(reverse("ledger:gl_file", args=[two_days[0].pk])).status_code == 200
    assert client.post(reverse("ledger:gl_export", args=[two_days[0].pk])).status_code == 403
    assert "data-gl-export" not in client.get(reverse("ledger:gl_exports")).content.decode()
    assert not GLExport.objects.exists()


def test_a_clerk_is_refused_the_files(client: Client, alice, two_days) -> None:
    client.force_login(alice)
    assert client.get(reverse("ledger:gl_exports")).status_code == 403
    assert client.get(reverse("ledger:gl_file", args=[two_days[0].pk])).status_code == 403
