"""The one-time charge and budget billing pages: a coordinator posts a charge (over the
limit it waits for a supervisor in the queue), enrols an account and takes it off the
plan; clerks are refused; bad input stays on the form with a message next to the field."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from billing.models import BudgetPlan, MiscFee, OneTimeCharge
from billing_site.common.idempotency import issue_token

from .bill_helpers import accounts, calculated, posted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _token(user, purpose: str) -> str:
    return issue_token(user_id=user.pk, purpose=purpose)


def test_it_posts_a_charge_from_the_account_page(client, bob, account, business_day):
    client.force_login(bob)
    assert 'id="charge-post-link"' in client.get(f"/accounts/{account.pk}/").content.decode()
    fee = MiscFee.objects.get(code="after-hours-restore")
    data = {"fee": fee.pk, "amount": "", "reason": "Restored at 9 pm",
            "token": _token(bob, "billing.one_time_charge")}  # fmt: skip
    response = client.post(f"/billing/accounts/{account.pk}/charges/new/", data)
    assert response.status_code == 302
    assert client.post(f"/billing/accounts/{account.pk}/charges/new/", data).status_code == 302
    assert OneTimeCharge.objects.get().amount.amount == D("100.00")  # once, not twice
    account.refresh_from_db()
    assert account.balance.amount == D("100.00")


def test_it_keeps_what_was_typed_when_the_amount_is_out_of_limits(
    client, bob, account, business_day
):
    client.force_login(bob)
    fee = MiscFee.objects.get(code="collection-processing")
    data = {"fee": fee.pk, "amount": "99.00", "reason": "Referral",
            "token": _token(bob, "billing.one_time_charge")}  # fmt: skip
    response = client.post(f"/billing/accounts/{account.pk}/charges/new/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "The collection processing fee is $10.00 to $75.00." in body
    assert 'value="Referral"' in body and 'value="99.00"' in body
    assert OneTimeCharge.objects.count() == 0


def test_it_sends_a_large_charge_through_the_queue(client, bob, carol, account, business_day):
    client.force_login(bob)
    fee = MiscFee.objects.get(code="meter-tampering")
    data = {"fee": fee.pk, "reason": "Bypass found",
            "token": _token(bob, "billing.one_time_charge")}  # fmt: skip
    client.post(f"/billing/accounts/{account.pk}/charges/new/", data)
    charge = OneTimeCharge.objects.get()
    assert charge.status == "pending"
    queue = client.get("/billing/charges/").content.decode()
    assert "Nobody approves their own request" in queue  # bob asked: no buttons for him
    client.force_login(carol)
    assert "Approve and post" in client.get("/billing/charges/").content.decode()
    token = _token(carol, "billing.one_time_charge_decide")
    response = client.post(
        f"/billing/charges/{charge.pk}/decide/", {"approve": "1", "token": token}
    )
    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.status == "posted" and charge.decided_by == carol
    account.refresh_from_db()
    assert account.balance.amount == D("150.00")


def test_it_refuses_a_clerk_the_charge_and_budget_forms(client, alice, bob, account, business_day):
    client.force_login(alice)
    assert client.get(f"/billing/accounts/{account.pk}/charges/new/").status_code == 403
    token = _token(alice, "billing.one_time_charge_decide")
    assert client.post("/billing/charges/1/decide/", {"token": token}).status_code == 403
    data = {"enrol": "1", "true_up_month": "1", "token": _token(alice, "billing.budget_enrol")}
    assert client.post(f"/billing/accounts/{account.pk}/budget/", data).status_code == 403
    assert BudgetPlan.objects.count() == 0


def test_it_enrols_and_takes_an_account_off_budget_billing(client, bob, business_day, settings):
    settings.BILLING_BUDGET_MIN_MONTHS = 0
    settings.BILLING_BUDGET_MIN_BILLS = 1
    (account,) = accounts(bob, 1)
    client.force_login(bob)
    url = f"/billing/accounts/{account.pk}/budget/"
    assert "needs 1 bills" in client.get(url).content.decode()
    posted(bob, calculated(bob))  # October: $49.70
    page = client.get(url).content.decode()
    assert "$54.67" in page  # 49.70 + 10%
    data = {"enrol": "1", "true_up_month": "6", "token": _token(bob, "billing.budget_enrol")}
    assert client.post(url, data).status_code == 302
    plan = BudgetPlan.objects.get(account=account)
    assert plan.amount.amount == D("54.67") and plan.true_up_month == 6
    assert "June" in client.get(url).content.decode()
    refused = client.post(
        url, {"leave": "1", "reason": "", "token": _token(bob, "billing.budget_leave")}
    )
    assert refused.status_code == 400
    left = client.post(
        url, {"leave": "1", "reason": "Moving", "token": _token(bob, "billing.budget_leave")}
    )
    assert left.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "ended" and plan.settled.amount == D("0.00")


def test_it_lists_the_queue_in_a_fixed_number_of_queries(
    client, bob, carol, business_day, django_assert_max_num_queries
):
    from billing.services.one_time import post_one_time_charge
    from tests.factories import make_account

    fee = MiscFee.objects.get(code="meter-tampering")

    def ask(n: int) -> None:
        for _ in range(n):
            post_one_time_charge(
                account=make_account(bob), fee=fee, reason="Seal broken", acting_user=bob
            )

    ask(2)
    client.force_login(carol)
    with django_assert_max_num_queries(14) as few:
        client.get("/billing/charges/")
    ask(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/billing/charges/").content.decode()
    assert body.count("Approve and post") == 8
