"""Payment plans: eligibility limits, the override needing a second person, the schedule and
agreement letter, the installment due at the counter, payments applied, default after grace,
cancel, lists (with a query-count test), roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from billing_site.common import roles
from collections_app import hooks, plan_rules, plan_selectors
from collections_app.choices import PlanStatus
from collections_app.models import Letter, PaymentPlan
from collections_app.services import plans
from tests.factories import make_account, make_user

from .helpers import bill, pay

TODAY = dt.date(2026, 11, 23)
pytestmark = pytest.mark.django_db


@pytest.fixture
def owing(bob: User, business_day):  # type: ignore[no-untyped-def]
    account = make_account(bob)
    bill(bob, account, bill_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 21),
         WATER="1000.00")  # fmt: skip
    return account


def _plan(account, by, **terms):  # type: ignore[no-untyped-def]
    values = {"amount": D("1000.00"), "down_payment": D("200.00"), "months": 3,
              "first_due": dt.date(2026, 12, 23), **terms}  # fmt: skip
    return plans.plan_create(account=account, acting_user=by, **values)


def test_it_splits_the_schedule_so_it_adds_up() -> None:
    dues = plan_rules.schedule(amount=D("1000.00"), down_payment=D("200.00"), months=3,
                               start=TODAY, first_due=dt.date(2027, 1, 31))  # fmt: skip
    assert [(d.number, d.due_date, d.amount) for d in dues] == [
        (0, TODAY, D("200.00")),
        (1, dt.date(2027, 1, 31), D("266.67")),
        (2, dt.date(2027, 2, 28), D("266.67")),
        (3, dt.date(2027, 3, 31), D("266.66")),
    ]


def test_it_sets_up_an_eligible_plan_with_its_agreement(bob: User, owing) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(owing, bob)
    assert plan.status == PlanStatus.ACTIVE
    assert plan.installments.count() == 4
    assert plan.letter.kind == "plan_agreement"
    assert "Installment 3: $266.66 due on February 23, 2027" in plan.letter.body
    owing.refresh_from_db()
    assert owing.balance.amount == D("1000.00")  # a plan posts no money


@pytest.mark.parametrize(
    ("terms", "broken"),
    [
        ({"months": 13}, "longest is 12"),
        ({"down_payment": D("199.99")}, "under 20%"),
    ],
)
def test_it_refuses_a_plan_breaking_a_rule_without_a_reason(bob, owing, terms, broken) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        _plan(owing, bob, **terms)
    assert broken in str(refused.value.message_dict["override_reason"])
    assert not PaymentPlan.objects.exists()


def test_it_accepts_twenty_percent_down_and_twelve_months(bob, owing) -> None:  # type: ignore[no-untyped-def]
    assert _plan(owing, bob, months=12).status == PlanStatus.ACTIVE


def test_it_limits_plans_per_year_and_after_a_default(bob, carol, owing) -> None:  # type: ignore[no-untyped-def]
    first = _plan(owing, bob)
    plans.plan_cancel(plan=first, reason="Customer asked", acting_user=bob)
    with pytest.raises(ValidationError, match="1 plan"):
        _plan(owing, bob)
    problems = plans.plan_problems(account=owing, amount=D("1000"), down_payment=D("200"),
                                   months=3, today=TODAY)  # fmt: skip
    assert problems == ["The account had 1 plan(s) in the last 12 months; the limit is 1."]
    first.refresh_from_db()
    assert first.status == PlanStatus.CANCELLED and first.end_reason == "Customer asked"


def test_it_needs_a_second_person_for_an_override(bob, carol, owing) -> None:  # type: ignore[no-untyped-def]
    plan = _plan(owing, bob, months=18, override_reason="Hardship: medical bills")
    assert plan.status == PlanStatus.PENDING and plan.letter is None
    assert owing.pk not in hooks.plans_in_good_standing([owing.pk])
    with pytest.raises(PermissionDenied):  # a coordinator does not approve overrides
        plans.plan_override_approve(plan=plan, acting_user=bob)
    sam = make_user("sam", roles.SUPERVISOR)
    own = _plan(make_owing(bob), sam, months=18, override_reason="Hardship")
    with pytest.raises(ValidationError, match="Nobody approves their own"):
        plans.plan_override_approve(plan=own, acting_user=sam)
    approved = plans.plan_override_approve(plan=plan, note="OK", acting_user=carol)
    assert approved.status == PlanStatus.ACTIVE and approved.decided_by == carol
    assert approved.letter is not None and Letter.objects.filter(account=owing).count() == 1
    assert owing.pk in hooks.plans_in_good_standing([owing.pk])


def make_owing(bob: User):  # type: ignore[no-untyped-def]
    account = make_account(bob)
    bill(bob, account, bill_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 21),
         WATER="1000.00")  # fmt: skip
    return account


def test_it_applies_payments_to_installments_and_shows_the_next_at_the_counter(
    alice,
    bob,
    owing,  # type: ignore[no-untyped-def]
) -> None:
    plan = _plan(owing, bob)
    assert plan_selectors.counter_alerts(owing) == [
        "Payment plan: installment due $200.00 on Nov 23, 2026"
    ]
    pay(alice, owing, "250.00")
    row = plan_selectors.plan_row(plan)
    assert row.paid == D("250.00")
    assert [part for _i, part in row.lines] == [D("200.00"), D("50.00"), D(0), D(0)]
    assert plan_selectors.counter_alerts(owing) == [
        "Payment plan: installment due $216.67 on Dec 23, 2026"
    ]


def test_it_defaults_a_plan_after_the_grace_and_completes_a_paid_one(
    alice,
    bob,
    carol,
    owing,  # type: ignore[no-untyped-def]
) -> None:
    late = _plan(owing, bob)
    paid_up = make_owing(bob)
    done = _plan(paid_up, bob)
    pay(alice, owing, "200.00")
    pay(alice, paid_up, "1000.00")
    # Installment 1 is due Dec 23; grace 10 days: still fine on Jan 2, defaulted on Jan 3.
    counts = plans.plan_defaults_check(on=dt.date(2027, 1, 2), acting_user=bob)
    assert counts == {"checked": 2, "completed": 1, "defaulted": 0}
    counts = plans.plan_defaults_check(on=dt.date(2027, 1, 3), acting_user=bob)
    assert counts == {"checked": 1, "completed": 0, "defaulted": 1}
    late.refresh_from_db()
    done.refresh_from_db()
    assert done.status == PlanStatus.COMPLETED
    assert late.status == PlanStatus.DEFAULTED
    assert late.ineligible_until == dt.date(2028, 1, 3)
    assert owing.pk not in hooks.plans_in_good_standing([owing.pk])  # back in the timeline
    problems = plans.plan_problems(account=owing, amount=D("800"), down_payment=D("200"),
                                   months=3, today=dt.date(2027, 6, 1))  # fmt: skip
    assert any("ineligible until Jan 3, 2028" in p for p in problems)


def test_it_counts_a_voided_payment_as_unpaid(alice, bob, carol, owing) -> None:  # type: ignore[no-untyped-def]
    from ledger import services as ledger

    plan = _plan(owing, bob)
    txn = ledger.post_payment(account=owing, amount=D("200.00"), memo="Check", acting_user=alice)
    ledger.reverse_transaction(original=txn, memo="Returned check", acting_user=carol)
    assert plan_selectors.plan_row(plan).paid == D("0.00")


def test_it_shows_the_installment_on_the_counter_lookup(alice, bob, owing, client) -> None:  # type: ignore[no-untyped-def]
    _plan(owing, bob)
    client.force_login(alice)
    page = client.get(reverse("payments:lookup"), {"q": owing.number})
    assert "Payment plan: installment due $200.00 on Nov 23, 2026" in page.content.decode()


def test_it_sets_up_a_plan_from_the_page_and_prints_the_agreement(bob, owing, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bob)
    page = client.get(reverse("collections:plan_new", args=[owing.pk]))
    assert page.status_code == 200
    token = page.context["token"]
    data = {"token": token, "amount": "1000.00", "down_payment": "100.00", "months": "3",
            "first_due": "2026-12-23", "override_reason": ""}  # fmt: skip
    refused = client.post(reverse("collections:plan_new", args=[owing.pk]), data)
    assert refused.status_code == 400
    assert "under 20%" in refused.content.decode()
    assert 'value="100.00"' in refused.content.decode()  # what was typed is kept
    data.update(down_payment="250.00", token=refused.context["token"])
    done = client.post(reverse("collections:plan_new", args=[owing.pk]), data)
    plan = PaymentPlan.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "collections:plan", args=[plan.pk]
    )
    pdf = client.get(reverse("collections:letter_pdf", args=[plan.letter_id]))
    text = "".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(pdf.content)).pages)
    assert "Down payment: $250.00" in text and "Signature" in text


def test_it_refuses_the_clerk_and_the_auditor_a_plan(alice, erin, owing, client) -> None:  # type: ignore[no-untyped-def]
    for user in (alice, erin):
        client.force_login(user)
        assert client.get(reverse("collections:plan_new", args=[owing.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        _plan(owing, alice)
    client.force_login(alice)
    assert client.get(reverse("collections:plans")).status_code == 403


def test_it_lists_plans_in_a_fixed_number_of_queries(bob, client, business_day) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(bob)

    def counts() -> list[int]:
        found = []
        for which in ("active", "due_week", "defaulted", "pending", "all"):
            with CaptureQueriesContext(connection) as seen:
                assert client.get(reverse("collections:plans"), {"show": which}).status_code == 200
            found.append(len(seen))
        return found

    _plan(make_owing(bob), bob, first_due=dt.date(2026, 11, 27))
    counts()  # the first request of a session reads the user and roles once
    few = counts()
    for _ in range(5):
        _plan(make_owing(bob), bob, first_due=dt.date(2026, 11, 27))
    assert counts() == few and max(few) <= 8
    assert len(client.get(reverse("collections:plans"), {"show": "due_week"}).context["rows"]) == 6
