"""Cash reports as a supervisor reads them the morning after the closeout.

They open on the last closed business day; amounts read "$1,234.50", right-aligned
in HTML and PDF; long text is shortened after a word with an ellipsis in the PDF
and whole in the CSV; the PDF listing is set in 8 pt; the GL distribution sums
only the day's postings.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from payments import services
from payments.templatetags.cash_reports import fit

from .helpers import charge, open_drawer, pay
from .returns_helpers import close_day

D = Decimal
pytestmark = pytest.mark.django_db
LONG_REASON = "Customer paid the wrong account because the landlord's two units share one bill"


@pytest.fixture
def supervisor(carol) -> Client:
    client = Client()
    client.force_login(carol)
    return client


def _day_with_a_big_payment_and_a_void(alice, bob, carol, account):
    charge(account, bob, water="1500.00")
    drawer = open_drawer(alice)
    pay(alice, drawer, account, "1234.50")
    voided = pay(alice, drawer, account, "10.00")
    services.payment_void(payment=voided, reason=LONG_REASON, acting_user=carol)
    return close_day(alice)


def test_it_opens_reports_on_the_last_closed_day(
    alice, bob, carol, account, business_day, supervisor
) -> None:
    closed = _day_with_a_big_payment_and_a_void(alice, bob, carol, account)
    index = supervisor.get(reverse("payments:reports")).content.decode()
    assert f'value="{closed.business_date.isoformat()}"' in index
    page = supervisor.get(reverse("payments:report", args=["journal"])).content.decode()
    assert f"· {closed.business_date.isoformat()}" in page
    assert '<td class="num">$1,234.50</td>' in page  # separators, dollar sign, right-aligned
    chosen = supervisor.get(reverse("payments:report", args=["journal"]), {"date": "2026-11-24"})
    assert "Nothing in this period." in chosen.content.decode()


def test_it_prints_amounts_and_long_text_legibly(
    alice, bob, carol, account, business_day, supervisor
) -> None:
    closed = _day_with_a_big_payment_and_a_void(alice, bob, carol, account)
    day = closed.business_date.isoformat()
    url = reverse("payments:report", args=["register"])
    pdf = supervisor.get(url, {"date": day, "format": "pdf"}).content
    sizes: list[float] = []
    texts: list[str] = []

    def visit(text, _cm, _tm, _font, size) -> None:
        if text.strip():
            sizes.append(size)
            texts.append(text)

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    text = "".join(texts)
    assert "$10.00" in text
    assert "Customer paid the… " in text  # cut after a word, with an ellipsis
    assert LONG_REASON not in text
    assert min(sizes) >= 8
    rows = list(
        csv.reader(
            io.StringIO(
                supervisor.get(url, {"date": day, "format": "csv"}).content.decode("utf-8-sig")
            )
        )
    )
    assert LONG_REASON in rows[1]  # the CSV has it whole
    journal = supervisor.get(
        reverse("payments:report", args=["journal"]), {"date": day, "format": "pdf"}
    )
    assert "$1,234.50" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(journal.content)).pages
    )


def test_it_shortens_text_after_a_word() -> None:
    assert fit("Oak Apartments LLC", 30) == "Oak Apartments LLC"
    assert fit("Oak Apartments Management LLC", 20) == "Oak Apartments…"
    assert fit("Supercalifragilisticexpialidocious", 10) == "Supercali…"
    assert len(fit("a " * 40, 21)) <= 21


def test_it_sums_only_the_days_postings_in_the_gl_distribution(
    alice, bob, carol, account, business_day, supervisor
) -> None:
    charge(account, bob, water="100.00")
    drawer = open_drawer(alice)
    pay(alice, drawer, account, "40.00")
    first = close_day(alice)
    drawer = open_drawer(alice)
    pay(alice, drawer, account, "25.00")
    second = close_day(alice)
    url = reverse("payments:report", args=["gl"])

    def rows(day) -> dict[str, list[str]]:
        got = supervisor.get(url, {"date": day.isoformat(), "format": "csv"})
        return {r[1] or r[0]: r for r in csv.reader(io.StringIO(got.content.decode("utf-8-sig")))}

    one, two = rows(first.business_date), rows(second.business_date)
    # close_day counts only the float, so each day also posts its cash as short.
    assert one["Total"][3] == "180.00"  # the charge 100, the payment 40, short 40
    assert two["Total"][3] == "50.00"  # only the second day's payment 25 and short 25
    page = supervisor.get(url, {"date": second.business_date.isoformat()}).content.decode()
    assert (
        f"postings of business day {second.business_date} only: "
        "2 journal transactions (over/short 1, payment 1)" in page
    )
