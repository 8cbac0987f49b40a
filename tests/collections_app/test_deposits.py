"""Security deposits: requirement per band, per letter of credit and per own history (a
disconnect), fixed or months of the average bill; interest once per period; the refund
review after good history; applied to a final bill with the rest refunded; a deposit never
changes what the customer owes and verify_ledger holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from adjustments.models import Refund
from collections_app.models import AccountStep, DepositInterest, NoticeRun, NoticeStep
from collections_app.services import deposits
from ledger.selectors import deposit_held
from tests.factories import make_account

from .helpers import bill

TODAY = dt.date(2026, 11, 23)
pytestmark = pytest.mark.django_db


def _bills(by: User, account, amounts: list[str]) -> None:  # type: ignore[no-untyped-def]
    for i, amount in enumerate(amounts):
        day = dt.date(2026, 6 + i, 1)
        bill(by, account, bill_date=day, due_date=day + dt.timedelta(days=20), WATER=amount)


def test_it_requires_a_deposit_per_band(bob: User, business_day) -> None:
    account = make_account(bob)
    assert deposits.deposit_requirement(account, today=TODAY).amount == D("100.00")  # no result
    deposits.credit_result_record(account=account, band="A", letter_of_credit=False, note="",
                                  acting_user=bob)  # fmt: skip
    assert deposits.deposit_requirement(account, today=TODAY).amount == D("0.00")
    deposits.credit_result_record(account=account, band="C", letter_of_credit=False, note="",
                                  acting_user=bob)  # fmt: skip
    _bills(bob, account, ["60.00", "100.00"])  # average $80: two months $160 (>= $150)
    need = deposits.deposit_requirement(account, today=TODAY)
    assert need.amount == D("160.00") and "2 months" in need.why
    deposits.credit_result_record(account=account, band="C", letter_of_credit=True, note="Prior",
                                  acting_user=bob)  # fmt: skip
    assert deposits.deposit_requirement(account, today=TODAY).amount == D("0.00")


def test_it_counts_a_disconnect_in_the_own_history(bob: User, business_day) -> None:
    account = make_account(bob)
    deposits.credit_result_record(account=account, band="A", letter_of_credit=False, note="",
                                  acting_user=bob)  # fmt: skip
    b = bill(bob, account, bill_date=dt.date(2026, 9, 1), due_date=dt.date(2026, 9, 21),
             WATER="70.00")  # fmt: skip
    step = NoticeStep.objects.get(is_disconnect=True)
    run = NoticeRun.objects.create(step=step, run_date=TODAY, created_by=bob)
    AccountStep.objects.create(account=account, bill=b, step=step, run=run, past_due=D("70"),
                               recorded_by=bob)  # fmt: skip
    need = deposits.deposit_requirement(account, today=TODAY)
    assert need.band == "C" and "disconnect" in need.why and need.amount == D("150.00")


def test_it_holds_a_deposit_apart_from_what_is_owed_and_credits_interest_once(
    bob: User, carol: User, business_day
) -> None:
    account = make_account(bob)
    deposits.deposit_collect(account=account, amount=D("100.00"), acting_user=bob)
    account.refresh_from_db()
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("100.00")
    with pytest.raises(PermissionDenied):
        deposits.deposit_interest_run(period_end=TODAY, months=12, acting_user=make_clerk())
    first = deposits.deposit_interest_run(period_end=TODAY, months=12, acting_user=bob)
    again = deposits.deposit_interest_run(period_end=TODAY, months=12, acting_user=bob)
    assert first["interest"] == D("1.00") and again["interest"] == D("0.00")
    assert deposit_held(account.pk) == D("101.00") and DepositInterest.objects.count() == 1
    call_command("verify_ledger")


def make_clerk() -> User:
    from billing_site.common import roles
    from tests.factories import make_user

    return make_user("alice2", roles.CLERK)


def test_it_lists_deposits_due_back_after_good_history(bob: User, business_day) -> None:
    good, late = make_account(bob), make_account(bob)
    for account in (good, late):
        deposits.deposit_collect(account=account, amount=D("100.00"), acting_user=bob)
    a_year_on = dt.date(2027, 11, 23)
    assert deposits.refund_review(today=TODAY) == []  # not held long enough
    AccountStep_for(bob, late)
    due = deposits.refund_review(today=a_year_on)
    assert [(a.pk, held) for a, held, _d in due] == [(good.pk, D("100.00"))]


def AccountStep_for(bob: User, account) -> None:  # type: ignore[no-untyped-def]
    b = bill(bob, account, bill_date=dt.date(2027, 3, 1), due_date=dt.date(2027, 3, 21),
             WATER="70.00")  # fmt: skip
    step = NoticeStep.objects.get(is_disconnect=True)
    run = NoticeRun.objects.create(step=step, run_date=TODAY, created_by=bob)
    row = AccountStep.objects.create(account=account, bill=b, step=step, run=run,
                                     past_due=D("70"), recorded_by=bob)  # fmt: skip
    AccountStep.objects.filter(pk=row.pk).update(recorded_at=dt.datetime(2027, 4, 1, tzinfo=dt.UTC))


def test_it_applies_the_deposit_to_the_final_bill_and_refunds_the_rest(
    bob: User, business_day
) -> None:
    account = make_account(bob)
    deposits.deposit_collect(account=account, amount=D("100.00"), acting_user=bob)
    bill(bob, account, bill_date=dt.date(2026, 11, 1), due_date=dt.date(2026, 11, 21),
         WATER="64.00")  # fmt: skip
    what = deposits.deposit_settle_final(account=account, acting_user=bob)
    account.refresh_from_db()
    assert what == "applied $64.00, refund of $36.00 requested"
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("36.00")
    refund = Refund.objects.get(account=account)
    assert refund.amount.amount == D("36.00") and refund.source == "deposit"
    call_command("verify_ledger")


def test_it_takes_a_deposit_on_the_page_and_refuses_the_field_technician(
    bob: User, dave: User, business_day, client
) -> None:
    from django.urls import reverse

    account = make_account(bob)
    client.force_login(dave)
    assert client.get(reverse("collections:deposit", args=[account.pk])).status_code == 403
    client.force_login(bob)
    page = client.get(reverse("collections:deposit", args=[account.pk]))
    assert "$100.00 (No credit result on file" in page.content.decode()
    url = reverse("collections:deposit", args=[account.pk])
    bad = client.post(
        url, {"form": "take", "amount": "-5", "token": page.context["tokens"]["take"]}
    )
    assert bad.status_code == 200 and "greater than or equal to 0.01" in bad.content.decode()
    done = client.post(
        url, {"form": "take", "amount": "100.00", "token": bad.context["tokens"]["take"]}
    )
    assert done.status_code == 302 and deposit_held(account.pk) == D("100.00")
    call_command("credit_deposit_interest", "--user", "bob", "--period-end", "2026-11-23")
    assert deposit_held(account.pk) == D("101.00")
    review = client.get(reverse("collections:deposit_review"))
    assert review.status_code == 200 and "No deposits are due back" in review.content.decode()
