"""``manage.py quote_bill`` and the bill calculator page (coordinator and up)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from billing.services.reads import meter_read_record

from .helpers import agreement, metered_account, water_schedule

RATES = str(Path(__file__).resolve().parents[2] / "billing" / "fixtures" / "rates_demo.json")


def quote_bill(*args: str) -> str:
    out = StringIO()
    call_command("quote_bill", "--rates", RATES, *args, stdout=out)
    return out.getvalue()


def test_it_quotes_a_water_bill_with_every_lines_arithmetic():
    # 5/8" base 14.95; 12 kgal less 2 included = 10: 6 x 3.25 + 4 x 4.25 = 19.50 + 17.00 = 36.50;
    # state fee 0.35; total 14.95 + 36.50 + 0.35 = 51.80
    out = quote_bill("--schedule", "W-RES", "--usage", "12000", "--days", "30",
                     "--meter-size", "5/8", "--from", "2026-11-01")  # fmt: skip
    assert "6 x $3.25 + 4 x $4.25 = $36.50" in out
    assert out.strip().endswith("Total              $51.80")


def test_it_prorates_across_the_fiscal_year_in_the_command():
    # Sep 16-30 (15 days) on FY2026, Oct 1-15 (15 days) on FY2027: see docs/rates.md
    out = quote_bill("--schedule", "W-RES", "--usage", "12000", "--days", "30",
                     "--meter-size", "5/8", "--from", "2026-09-16")  # fmt: skip
    assert "$50.62" in out.splitlines()[-1]


def test_it_quotes_stormwater_per_eru_and_refuses_a_missing_eru():
    assert "$11.76" in quote_bill("--schedule", "STORM", "--usage", "0", "--days", "30",
                                  "--eru", "1.6", "--from", "2026-11-01")  # fmt: skip
    with pytest.raises(CommandError, match="no ERU"):
        quote_bill("--schedule", "STORM", "--usage", "0", "--days", "30")


def test_it_refuses_an_unknown_schedule():
    with pytest.raises(CommandError, match="No schedule NOPE"):
        quote_bill("--schedule", "NOPE", "--usage", "1", "--days", "30")


@pytest.fixture
def water_account(bob, dave, account):
    schedule = water_schedule()
    agreement(bob, account, schedule)
    meter = metered_account(bob, account, reading="1000", on=date(2026, 10, 1))
    meter_read_record(meter=meter, read_date=date(2026, 10, 31), reading=D(9000), acting_user=dave)
    return account


def test_it_quotes_an_accounts_bill_on_the_page(client, bob, water_account):
    client.force_login(bob)
    page = client.get(f"/accounts/{water_account.pk}/")
    assert b"Quote a bill" in page.content and b"M-1001" in page.content
    agreement_pk = water_account.service_agreements.get().pk
    url = f"/billing/quote/?account={water_account.pk}&agreement={agreement_pk}"
    # at 12,000 gallons: 12.50 + 12 x 3.10 = 12.50 + 37.20 = 49.70
    response = client.get(url + "&usage=12000&days=30&start=2026-10-01")
    assert response.status_code == 200, response.context["form"].errors
    assert response.context["quote"].total == D("49.70")
    # from its reads: 8,000 gallons: 12.50 + 8 x 3.10 = 37.30
    response = client.get(url + "&days=31&start=2026-10-01")
    assert response.context["quote"].total == D("37.30")


def test_it_refuses_the_calculator_to_a_clerk_and_a_field_technician(client, alice, dave):
    for user in (alice, dave):
        client.force_login(user)
        assert client.get("/billing/quote/").status_code == 403
