"""Master accounts and sub-accounts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from accounts.models import Account
from ledger import services as ledger
from tests.factories import make_account, service

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"accounts:{name}", args=args)


def fresh(account) -> Account:
    return Account.objects.get(pk=account.pk)


def test_it_makes_a_master_attaches_and_detaches_a_sub(client, bob, business_day):
    master = make_account(bob)
    sub = make_account(bob, customer=master.customer)  # the same owner's second unit
    ledger.post_charges(
        account=sub, charges=[(service("WATER"), D("19.99"))], memo="Nov", acting_user=bob
    )
    client.force_login(bob)
    assert "Make this a master account" in client.get(url("master", master.pk)).content.decode()
    assert client.post(url("master_set", master.pk), {"is_master": "1"}).status_code == 302
    assert fresh(master).is_master
    response = client.post(url("sub_attach", master.pk), {"sub_number": f" {sub.number} "})
    assert response.status_code == 302
    assert fresh(sub).master_id == master.pk
    html = client.get(url("master", master.pk)).content.decode()
    assert sub.number in html and "$19.99" in html
    assert client.post(url("sub_detach", master.pk, sub.pk)).status_code == 302
    assert fresh(sub).master_id is None
    assert client.post(url("master_set", master.pk), {"is_master": "0"}).status_code == 302
    assert not fresh(master).is_master


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("12345678", "No account has that number."),
        ("abc'; --", "No account has that number."),
        ("9" * 10_000, "at most 12"),
        ("self", "An account cannot be its own sub-account."),
        ("other_master", "A master account cannot be a sub-account."),
    ],
)
def test_it_explains_why_a_sub_cannot_be_attached(client, bob, typed, message):
    master = make_account(bob, is_master=True)
    other_master = make_account(bob, is_master=True)
    typed = {"self": master.number, "other_master": other_master.number}.get(typed, typed)
    client.force_login(bob)
    response = client.post(url("sub_attach", master.pk), {"sub_number": typed})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["sub_number"])
    assert not Account.objects.filter(master=master).exists()


def test_it_refuses_to_unmake_a_master_with_subs(client, bob):
    master = make_account(bob, is_master=True)
    make_account(bob, master=master)
    client.force_login(bob)
    response = client.post(url("master_set", master.pk), {"is_master": "0"}, follow=True)
    assert "Detach the sub-accounts before removing master status." in response.content.decode()
    assert fresh(master).is_master


def test_it_refuses_to_detach_an_account_that_is_not_a_sub(client, bob):
    master, stranger = make_account(bob, is_master=True), make_account(bob)
    client.force_login(bob)
    response = client.post(url("sub_detach", master.pk, stranger.pk), follow=True)
    assert "not a sub-account of this master" in response.content.decode()


def test_it_takes_only_posts_for_changes(client, bob, account):
    client.force_login(bob)
    assert client.get(url("master_set", account.pk)).status_code == 405
    assert client.get(url("sub_attach", account.pk)).status_code == 405


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_it_refuses_roles_that_do_not_manage_masters(client, request, bob, who):
    master, sub = make_account(bob, is_master=True), make_account(bob)
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("master", master.pk)).status_code == 403
    assert client.post(url("master_set", sub.pk), {"is_master": "1"}).status_code == 403
    assert client.post(url("sub_attach", master.pk), {"sub_number": sub.number}).status_code == 403
    assert not fresh(sub).is_master and fresh(sub).master_id is None


def test_it_asks_to_confirm_another_customers_residential_account(client, alice, bob):
    master = make_account(bob, is_master=True, account_class="commercial")
    stranger = make_account(bob)  # another customer's home
    client.force_login(alice)
    assert (
        client.post(url("sub_attach", master.pk), {"sub_number": stranger.number}).status_code
        == 403
    )
    client.force_login(bob)
    asked = client.post(url("sub_attach", master.pk), {"sub_number": stranger.number})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert f"Account {stranger.number} is a residential account of another customer" in html
    assert fresh(stranger).customer.display_name in html and 'name="other_customer"' in html
    assert fresh(stranger).master_id is None
    done = client.post(
        url("sub_attach", master.pk), {"sub_number": stranger.number, "other_customer": "on"}
    )
    assert done.status_code == 302 and fresh(stranger).master_id == master.pk
    last = fresh(stranger).history.first()
    assert "another customer's residential account, confirmed" in last.history_change_reason


def test_it_shows_the_master_by_number_and_people_by_name_in_history(client, bob, erin):
    bob.first_name, bob.last_name = "Bob", "Coordinator"
    bob.save()
    master = make_account(bob, is_master=True)
    sub = make_account(bob, customer=master.customer)
    client.force_login(bob)
    assert client.post(url("sub_attach", master.pk), {"sub_number": sub.number}).status_code == 302
    client.force_login(erin)  # auditors read history
    html = client.get(reverse("accounts:detail", args=[sub.pk])).content.decode()
    assert f"Master account: — → {master.number}" in html
    assert f"Master account: — → {master.pk}<" not in html
    assert "Bob Coordinator" in html
