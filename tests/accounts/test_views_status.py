"""Status changes: activate, final, close; closing is refused while money is owed."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.choices import AccountStatus
from accounts.models import Account
from ledger import services as ledger
from tests.factories import make_account, service

pytestmark = pytest.mark.django_db


def url(account) -> str:
    return reverse("accounts:status", args=[account.pk])


def status_of(account) -> str:
    return Account.objects.get(pk=account.pk).status


def test_it_walks_an_account_from_pending_to_closed(client, bob):
    account = make_account(bob, active=False)
    client.force_login(bob)
    for to in ["active", "final", "closed"]:
        response = client.post(url(account), {"to": to, "reason": f"Step to {to}"})
        assert response.status_code == 302, response.context["form"].errors
        assert status_of(account) == to
    history = Account.history.filter(id=account.pk).first()
    assert history.history_change_reason == "Step to closed"


def test_it_offers_only_the_moves_allowed_from_here(client, bob, account):
    client.force_login(bob)
    html = client.get(url(account)).content.decode()
    assert 'value="final"' in html
    assert 'value="closed"' not in html and 'value="active"' not in html


def test_it_refuses_to_close_with_a_balance_and_keeps_the_form(client, bob, business_day):
    account = make_account(bob)
    ledger.post_charges(
        account=account, charges=[(service("WATER"), D("40.00"))], memo="Nov", acting_user=bob
    )
    client.force_login(bob)
    client.post(url(account), {"to": "final", "reason": "Moved out"})
    response = client.post(url(account), {"to": "closed", "reason": "Tenant gone <3"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Account {account.number} owes $40.00." in html
    assert "before closing" in html
    assert 'class="form-error"' in html
    assert 'value="Tenant gone &lt;3"' in html
    assert status_of(account) == AccountStatus.FINAL


def test_it_refuses_to_close_with_a_credit(client, bob, business_day):
    account = make_account(bob)
    ledger.post_payment(account=account, amount=D("12.50"), memo="Prepay", acting_user=bob)
    client.force_login(bob)
    client.post(url(account), {"to": "final", "reason": "Moved out"})
    response = client.post(url(account), {"to": "closed", "reason": "Done"})
    assert "has a $12.50 credit" in response.content.decode()
    assert status_of(account) == AccountStatus.FINAL


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "to"),
        ({"to": "final"}, "reason"),
        ({"to": "final", "reason": "x" * 501}, "reason"),
        ({"to": "closed", "reason": "skip a step"}, "to"),
        ({"to": "demolished", "reason": "x"}, "to"),
    ],
)
def test_it_explains_bad_input(client, bob, account, data, field):
    client.force_login(bob)
    response = client.post(url(account), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert status_of(account) == AccountStatus.ACTIVE


def test_it_says_a_closed_account_stays_closed(client, bob):
    account = make_account(bob, active=False)
    client.force_login(bob)
    client.post(url(account), {"to": "closed", "reason": "Opened by mistake"})
    html = client.get(url(account)).content.decode()
    assert "a closed account stays closed" in html
    response = client.post(url(account), {"to": "active", "reason": "Reopen"})
    assert response.status_code == 200
    assert status_of(account) == AccountStatus.CLOSED


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_it_refuses_roles_that_do_not_change_status(client, request, who, account):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(account)).status_code == 403
    assert client.post(url(account), {"to": "final", "reason": "x"}).status_code == 403
    assert status_of(account) == AccountStatus.ACTIVE


def test_it_offers_activate_on_a_pending_accounts_page(client, alice, bob, dave, business_day):
    account = make_account(bob, active=False)
    page = reverse("accounts:detail", args=[account.pk])
    client.force_login(dave)  # a field technician changes no status
    assert 'id="activate"' not in client.get(page).content.decode()
    assert client.post(url(account), {"to": "active", "reason": "x"}).status_code == 403
    client.force_login(bob)
    html = client.get(page).content.decode()
    assert "Next step: activate the account" in html and 'id="activate"' in html
    response = client.post(url(account), {"to": "active", "reason": "Service started: activated"})
    assert response.status_code == 302 and status_of(account) == "active"
    assert 'id="activate"' not in client.get(page).content.decode()
