"""The SQL proof list (``collections_app.late_fee_sql``) against the Python reference
(``late_fees.proof_lines_python``: ``past_due_of``, ``exemptions``, ``assess``, ``fees.fee_for``
and ``fees.explain``) on random accounts, bills, payments, flags and rules with tiers; and
tiers hand-computed at their boundaries through a whole run."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal as D

import pytest

from accounts import services as account_services
from accounts.choices import AccountClass, FlagKind
from accounts.models import AccountFlag
from billing_site.common.fees import FeeRule, explain, fee_for
from collections_app.choices import LineStatus
from collections_app.models import LateFeeLine, LateFeeRule, LateFeeRun, LateFeeTier
from collections_app.services import late_fees
from tests.factories import make_account, make_customer, service

from .helpers import bill, pay
from .test_late_fees import DUE, calculated, posted

pytestmark = pytest.mark.django_db

BOUNDARIES = [D("9.99"), D("10.00"), D("10.01"), D("50.00"), D("50.01"), D("100.00"),
              D("100.01"), D("333.33"), D("333.34"), D("1000.01")]  # fmt: skip


def cents(rng: random.Random) -> D:
    if rng.random() < 0.5:
        return rng.choice(BOUNDARIES)
    return D(rng.randint(1, 150_000)) / 100


def optional(rng: random.Random, value: str) -> D | None:
    return D(value) if rng.random() < 0.5 else None


def random_rule(rng: random.Random, code: str, account_class: str = "") -> LateFeeRule:
    LateFeeRule.objects.filter(service__code=code, account_class=account_class).delete()
    rule = LateFeeRule.objects.create(
        service=service(code), account_class=account_class, fee_service=service("PEN"),
        grace_days=rng.choice([0, 3, 10, 20]), grace_kind=rng.choice(["calendar", "business"]),
        flat=optional(rng, "5.00"), percent=optional(rng, rng.choice(["1.5", "2.25", "10"])),
        minimum=optional(rng, "4.00"), maximum=optional(rng, "30.00"),
        minimum_past_due=optional(rng, "10.00"),
    )  # fmt: skip
    if rng.random() < 0.5:
        for up_to, pct in [(D("100.00"), "5"), (D("333.33"), "2.5"), (None, "1")][
            : rng.randint(1, 3)
        ]:
            LateFeeTier.objects.create(rule=rule, up_to=up_to, percent=D(pct))
    if rng.random() < 0.5:
        for up_to, fee in [(D("50.00"), "3.00"), (D("100.00"), "7.50"), (None, "12.00")][
            : rng.randint(1, 3)
        ]:
            LateFeeTier.objects.create(rule=rule, up_to=up_to, fee=D(fee))
    return rule


def rows_of(run: LateFeeRun) -> set[tuple]:
    return set(
        run.lines.values_list(
            "account_id", "bill_id", "service_id", "past_due", "fee", "status", "reason",
            "computation",
        )
    )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_computes_the_same_proof_list_in_sql_as_in_python(seed, business_day, bob, carol):
    rng = random.Random(seed)
    for code in ["WATER", "SEWER"]:
        random_rule(rng, code)
    random_rule(rng, "WATER", AccountClass.COMMERCIAL)
    accounts = []
    for n in range(24):
        city = rng.random() < 0.1
        account = make_account(
            bob, customer=make_customer(bob, is_city=city),
            account_class=rng.choice([AccountClass.RESIDENTIAL, AccountClass.COMMERCIAL]),
        )  # fmt: skip
        if rng.random() < 0.3:  # older arrears
            bill(bob, account, bill_date=date(2026, 9, 16), due_date=date(2026, 10, 6),
                 WATER=str(cents(rng)))  # fmt: skip
        bill(bob, account, bill_date=date(2026, 10, 16), due_date=DUE, WATER=str(cents(rng)),
             SEWER=str(cents(rng)))  # fmt: skip
        if rng.random() < 0.3:  # a newer bill
            bill(bob, account, bill_date=date(2026, 11, 16), due_date=date(2026, 12, 7),
                 SEWER=str(cents(rng)))  # fmt: skip
        if rng.random() < 0.4:
            pay(bob, account, str(cents(rng)))
        if rng.random() < 0.1:
            account_services.flag_set(
                account=account, kind=FlagKind.NO_LATE_FEE, reason=f"Hardship {n}",
                acting_user=bob,
            )  # fmt: skip
        elif rng.random() < 0.1:  # expired the day before the run, or in force on its day
            AccountFlag.objects.create(
                account=account, kind=FlagKind.NO_LATE_FEE, reason=f"Until {n}", set_by=bob,
                expires_on=rng.choice([date(2026, 11, 22), date(2026, 11, 23)]),
            )  # fmt: skip
        accounts.append(account)

    run = calculated(bob)
    bill_ids = list(run.lines.values_list("bill_id", flat=True).distinct())
    from billing.models import Bill

    due = list(Bill.objects.filter(due_date=DUE).values_list("pk", flat=True))
    assert set(bill_ids) <= set(due)
    python = set(late_fees.proof_lines_python(run, due))
    assert rows_of(run) == python
    assert any(row[5] == LineStatus.PROPOSED for row in python) or seed != 1

    posted(carol, run)  # then a rerun: everything "already charged" in both
    again = calculated(bob)
    assert rows_of(again) == set(late_fees.proof_lines_python(again, due))


# 5% of the first $100.00 past due, 2% above; a $2.00 minimum; nothing under $10.00.
GRADUATED = FeeRule(graduated=[(D("100.00"), D("5")), (None, D("2"))], minimum=D("2.00"),
                    exempt_below=D("10.00"))  # fmt: skip


@pytest.mark.parametrize(
    ("past_due", "fee", "how"),
    [
        ("9.99", "0", ""),
        ("10.00", "2.00", "5% of $10.00 = $0.50; raised to the minimum $2.00"),
        ("40.00", "2.00", "5% of $40.00 = $2.00"),
        ("100.00", "5.00", "5% of $100.00 = $5.00"),
        ("100.01", "5.00", "5% of $100.00 + 2% of $0.01 = $5.00"),  # 5.0002
        ("125.25", "5.51", "5% of $100.00 + 2% of $25.25 = $5.51"),  # 5.505, rounded once
        ("150.00", "6.00", "5% of $100.00 + 2% of $50.00 = $6.00"),
    ],
)
def test_it_computes_graduated_tiers_by_hand(past_due, fee, how):
    assert fee_for(D(past_due), GRADUATED) == D(fee)
    assert explain(D(past_due), GRADUATED) == how


def test_it_posts_tiered_late_fees_at_the_boundaries_and_shows_how(business_day, bob, carol):
    """Water: 5% of the first $100.00 past due, 2% above, at most $20.00. Sewer: $5.00 up
    to $100.00, $10.00 above, or 1.5% if greater."""
    water = LateFeeRule.objects.get(service__code="WATER", account_class="")
    water.percent, water.minimum, water.maximum = None, None, D("20.00")
    water.save()
    LateFeeTier.objects.create(rule=water, up_to=D("100.00"), percent=D("5"))
    LateFeeTier.objects.create(rule=water, up_to=None, percent=D("2"))
    sewer = LateFeeRule.objects.get(service__code="SEWER", account_class="")
    sewer.minimum = None
    sewer.save()
    LateFeeTier.objects.create(rule=sewer, up_to=D("100.00"), fee=D("5.00"))
    LateFeeTier.objects.create(rule=sewer, up_to=None, fee=D("10.00"))
    cases = [("100.00", "100.00"), ("100.01", "100.01"), ("150.00", "1000.00"),
             ("2000.00", "700.00")]  # fmt: skip
    accounts = []
    for w, s in cases:
        account = make_account(bob)
        bill(bob, account, bill_date=date(2026, 10, 16), due_date=DUE, WATER=w, SEWER=s)
        accounts.append(account)
    run = posted(carol, calculated(bob))
    got = {
        (line.account_id, line.service.code): (line.fee, line.computation)
        for line in LateFeeLine.objects.filter(run=run).select_related("service")
    }
    a, b, c, d = (acc.pk for acc in accounts)
    assert got[(a, "WATER")] == (D("5.00"), "5% of $100.00 = $5.00")
    assert got[(a, "SEWER")] == (D("5.00"), "tier fee $5.00; 1.5% = $1.50")
    assert got[(b, "WATER")] == (D("5.00"), "5% of $100.00 + 2% of $0.01 = $5.00")
    assert got[(b, "SEWER")] == (D("10.00"), "tier fee $10.00; 1.5% = $1.50")
    assert got[(c, "WATER")] == (D("6.00"), "5% of $100.00 + 2% of $50.00 = $6.00")
    assert got[(c, "SEWER")] == (D("15.00"), "tier fee $10.00; 1.5% = $15.00")
    assert got[(d, "WATER")] == (
        D("20.00"), "5% of $100.00 + 2% of $1,900.00 = $43.00; capped at the maximum $20.00"
    )  # fmt: skip
    assert got[(d, "SEWER")] == (D("10.50"), "tier fee $10.00; 1.5% = $10.50")
    assert LateFeeLine.objects.filter(run=run, status="posted").count() == 8
