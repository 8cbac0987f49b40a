"""Worked examples for every rate component: each total computed by hand in the comment.

The engine is pure, so these tests need no database; the bill run prices with the
same ``billing.engine.quote``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.choices import BlockMode, ComponentKind, FixedBasis, UsageBasis
from billing.engine import (
    Block,
    ComponentSpec,
    Determinants,
    MissingBasis,
    RateRefused,
    VersionSpec,
    quote,
    validate_schedule,
    validate_version,
)

JUNE = (date(2026, 6, 1), date(2026, 6, 30))
TIERS = (Block(D(0), D(5), D("2.00")), Block(D(5), D(10), D("3.00")), Block(D(10), None, D("4.50")))


def price(*components: ComponentSpec, det: Determinants, period=JUNE) -> tuple[D, list]:
    version = VersionSpec(date(2026, 1, 1), None, tuple(components))
    validate_version(version)
    result = quote(versions=[version], start=period[0], end=period[1], determinants=det)
    return result.total, list(result.lines)


def fixed(basis: str, amount: str = "0", **extra) -> ComponentSpec:
    return ComponentSpec(
        "base", "Base charge", ComponentKind.FIXED, fixed_basis=basis, amount=D(amount), **extra
    )


def per_thousand(**extra) -> ComponentSpec:
    fields = {"usage_basis": UsageBasis.METERED, "unit_size": D(1000), "unit_label": "kgal"}
    return ComponentSpec("use", "Water use", ComponentKind.VOLUMETRIC, **{**fields, **extra})


def test_it_charges_a_fixed_amount_per_bill():
    total, lines = price(fixed(FixedBasis.BILL, "12.50"), det=Determinants())
    assert total == D("12.50")
    assert lines[0].arithmetic == "$12.50 per bill = $12.50"


def test_it_charges_per_dwelling_unit():
    # 4 units x $8.25 = $33.00
    total, lines = price(
        fixed(FixedBasis.DWELLING_UNIT, "8.25"), det=Determinants(dwelling_units=4)
    )
    assert total == D("33.00")
    assert lines[0].arithmetic == "4 dwelling units x $8.25 = $33.00"


def test_it_charges_by_meter_size_and_refuses_a_size_without_a_price():
    base = fixed(FixedBasis.METER_SIZE, size_prices={"5/8": D("10.00"), "1": D("18.40")})
    total, _ = price(base, det=Determinants(meter_size="1"))
    assert total == D("18.40")
    with pytest.raises(MissingBasis, match="no price for meter size 2"):
        price(base, det=Determinants(meter_size="2"))


def test_it_charges_per_unit_of_consumption():
    # 12,000 gal / 1,000 = 12 kgal x $3.10 = $37.20
    total, lines = price(per_thousand(amount=D("3.10")), det=Determinants(usage=D(12000)))
    assert total == D("37.20")
    assert "12 kgal" in lines[0].arithmetic


def test_it_prices_each_unit_in_its_tier():
    # 12 kgal: 5 x $2.00 + 5 x $3.00 + 2 x $4.50 = 10 + 15 + 9 = $34.00
    total, lines = price(per_thousand(blocks=TIERS), det=Determinants(usage=D(12000)))
    assert total == D("34.00")
    assert "5 x $2.00 + 5 x $3.00 + 2 x $4.50" in lines[0].arithmetic


def test_it_takes_included_units_off_before_the_tiers():
    # 12 kgal less 2 included = 10: 5 x $2.00 + 5 x $3.00 = $25.00
    component = per_thousand(blocks=TIERS, included_units=D(2))
    total, _ = price(component, det=Determinants(usage=D(12000)))
    assert total == D("25.00")
    # 1.5 kgal, all included: nothing billable
    total, _ = price(component, det=Determinants(usage=D(1500)))
    assert total == D("0.00")


def test_it_prices_all_units_at_the_tier_reached():
    component = per_thousand(blocks=TIERS, block_mode=BlockMode.ALL_AT_REACHED)
    # 12 kgal reach the third tier: 12 x $4.50 = $54.00
    assert price(component, det=Determinants(usage=D(12000)))[0] == D("54.00")
    # 7.3 kgal: 7.3 x $3.00 = $21.90
    assert price(component, det=Determinants(usage=D(7300)))[0] == D("21.90")
    # exactly 5 kgal stays in the first tier: 5 x $2.00 = $10.00
    assert price(component, det=Determinants(usage=D(5000)))[0] == D("10.00")


def test_it_raises_a_line_to_its_minimum_and_cuts_it_to_its_maximum():
    # 1 kgal x $3.10 = $3.10, raised to the $5.00 minimum
    low = per_thousand(amount=D("3.10"), minimum=D("5.00"))
    total, lines = price(low, det=Determinants(usage=D(1000)))
    assert total == D("5.00")
    assert "raised to the minimum" in lines[0].arithmetic
    # 30 kgal x $3.10 = $93.00, cut to the $60.00 maximum
    high = per_thousand(amount=D("3.10"), maximum=D("60.00"))
    assert price(high, det=Determinants(usage=D(30000)))[0] == D("60.00")


def winter_sewer(**extra) -> ComponentSpec:
    return per_thousand(
        usage_basis=UsageBasis.WINTER_AVERAGE,
        usage_service="WATER",
        amount=D("5.25"),
        winter_months=(12, 1, 2),
        winter_default=D(5000),
        **extra,
    )


def test_it_bills_sewer_on_the_winter_average_capped_at_actual_use():
    # winter average 6,000 gal, actual water 9,000: 6 x $5.25 = $31.50
    det = Determinants(usage_by_service={"WATER": D(9000)}, winter_average=D(6000))
    assert price(winter_sewer(), det=det)[0] == D("31.50")
    # actual water 4,000 is below the average 6,000: 4 x $5.25 = $21.00
    det = Determinants(usage_by_service={"WATER": D(4000)}, winter_average=D(6000))
    total, lines = price(winter_sewer(), det=det)
    assert total == D("21.00")
    assert "below the winter average" in lines[0].arithmetic


def test_it_gives_a_new_account_the_default_winter_average():
    # no winter history: default 5,000 gal, actual 9,000: 5 x $5.25 = $26.25
    det = Determinants(usage_by_service={"WATER": D(9000)})
    total, lines = price(winter_sewer(), det=det)
    assert total == D("26.25")
    assert "default winter average" in lines[0].arithmetic


def test_it_bills_sewer_on_water_use():
    # 12,000 gal of water / 1,000 x $4.00 = $48.00
    sewer = per_thousand(usage_basis=UsageBasis.SERVICE, usage_service="WATER", amount=D("4.00"))
    det = Determinants(usage_by_service={"WATER": D(12000)})
    assert price(sewer, det=det)[0] == D("48.00")
    with pytest.raises(MissingBasis, match="no WATER use"):
        price(sewer, det=Determinants())


def test_it_bills_stormwater_per_eru_and_refuses_an_account_without_eru():
    # 1.6 ERU x $7.35 = $11.76
    storm = fixed(FixedBasis.ERU, "7.35")
    assert price(storm, det=Determinants(eru=D("1.6")))[0] == D("11.76")
    with pytest.raises(MissingBasis, match="no ERU"):
        price(storm, det=Determinants())


def test_it_bills_solid_waste_per_cart():
    # 2 carts x $14.20 = $28.40
    assert price(fixed(FixedBasis.CART, "14.20"), det=Determinants(carts=2))[0] == D("28.40")


def test_it_adds_a_percentage_surcharge_and_flat_fees_rounding_half_up_per_line():
    components = (
        fixed(FixedBasis.BILL, "12.50"),
        per_thousand(amount=D("3.10")),
        ComponentSpec(
            "surcharge",
            "Capital surcharge",
            ComponentKind.PERCENTAGE,
            percent=D(5),
            percent_of=("base", "use"),
        ),
        ComponentSpec("state", "State fee", ComponentKind.FLAT_FEE, amount=D("0.50")),
    )
    # base 12.50 + use 12 x 3.10 = 37.20; surcharge 5% of 49.70 = 2.485 -> 2.49 (half-up);
    # state fee 0.50; total 12.50 + 37.20 + 2.49 + 0.50 = 52.69
    total, lines = price(*components, det=Determinants(usage=D(12000)))
    assert [line.amount for line in lines] == [D("12.50"), D("37.20"), D("2.49"), D("0.50")]
    assert total == D("52.69")
    assert lines[2].arithmetic == "5% of $49.70 = $2.49"


def test_it_prorates_by_days_across_an_effective_date():
    old = VersionSpec(
        date(2025, 10, 1),
        date(2026, 6, 30),
        (fixed(FixedBasis.BILL, "12.00"), per_thousand(amount=D("3.00"))),
    )
    new = VersionSpec(
        date(2026, 7, 1), None, (fixed(FixedBasis.BILL, "15.00"), per_thousand(amount=D("3.60")))
    )
    validate_schedule([old, new])
    # June 21-30 = 10 days, July 1-20 = 20 days, 30 in all; 12,000 gal split by days.
    # old: base 12.00 x 10/30 = 4.00; use 4 kgal x 3.00 = 12.00
    # new: base 15.00 x 20/30 = 10.00; use 8 kgal x 3.60 = 28.80; total 54.80
    result = quote(
        versions=[new, old],
        start=date(2026, 6, 21),
        end=date(2026, 7, 20),
        determinants=Determinants(usage=D(12000)),
    )
    assert [line.amount for line in result.lines] == [
        D("4.00"),
        D("12.00"),
        D("10.00"),
        D("28.80"),
    ]
    assert result.total == D("54.80")
    assert result.lines[0].arithmetic == "$12.00 per bill x 10/30 days = $4.00"


def test_it_refuses_a_period_no_version_covers():
    version = VersionSpec(date(2026, 7, 1), None, (fixed(FixedBasis.BILL, "1.00"),))
    with pytest.raises(RateRefused, match="No rate version is in effect"):
        quote(versions=[version], start=JUNE[0], end=JUNE[1], determinants=Determinants())


@pytest.mark.parametrize(
    ("component", "message"),
    [
        (
            per_thousand(blocks=(Block(D(0), D(5), D(2)), Block(D(6), None, D(3)))),
            "a gap between 5 and 6",
        ),
        (
            per_thousand(blocks=(Block(D(0), D(5), D(2)), Block(D(4), None, D(3)))),
            "tier 2 overlaps the tier before it",
        ),
        (
            per_thousand(blocks=(Block(D(0), D(5), D(2)), Block(D(5), D(9), D(3)))),
            "the last tier must be open-ended",
        ),
        (per_thousand(amount=D("-1.00")), "the amount cannot be negative"),
        (per_thousand(blocks=(Block(D(0), None, D(-2)),)), "tier 1 cannot be negative"),
        (fixed(FixedBasis.BILL, "5", minimum=D(9), maximum=D(3)), "minimum is more than the max"),
        (fixed("", "5"), "a fixed charge needs a basis"),
        (per_thousand(usage_basis=UsageBasis.SERVICE, amount=D(1)), "say which service"),
        (
            ComponentSpec("pct", "Tax", ComponentKind.PERCENTAGE, percent=D(3), percent_of=("x",)),
            "x, which is not an earlier component",
        ),
    ],
)
def test_it_refuses_a_bad_definition_with_a_clear_message(component, message):
    with pytest.raises(RateRefused, match=message):
        validate_version(VersionSpec(date(2026, 1, 1), None, (component,)))


def test_it_refuses_versions_whose_dates_overlap():
    a = VersionSpec(date(2026, 1, 1), date(2026, 7, 1), (fixed(FixedBasis.BILL, "1"),))
    b = VersionSpec(date(2026, 7, 1), None, (fixed(FixedBasis.BILL, "2"),))
    with pytest.raises(RateRefused, match="overlaps the version from 2026-01-01"):
        validate_schedule([a, b])
