"""A deposit taken at the counter through the clerk's drawer: its own receipt line
("deposit"), held for the account (never what it owes), counted in the drawer and the
closeout; the office's pooled deposit is for coordinators only."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from collections_app.models import SecurityDeposit
from collections_app.services import deposits
from ledger.selectors import deposit_held
from payments import services as payments
from payments.models import Deposit, Payment
from payments.selectors import drawer_expected
from tests.factories import make_account
from tests.payments.helpers import open_drawer

pytestmark = pytest.mark.django_db


def test_it_takes_a_deposit_into_the_clerks_drawer(
    client, alice: User, bob: User, carol: User, business_day
) -> None:
    account = make_account(bob)
    drawer = open_drawer(alice)  # $100 float
    client.force_login(alice)
    url = reverse("collections:deposit", args=[account.pk])
    page = client.get(url)
    assert f"Into your drawer {drawer.pk}" in page.content.decode()
    data = {
        "form": "counter", "token": page.context["tokens"]["counter"], "amount": "100.00",
        "tender": "cash", "cash_given": "120.00", "reference": "",
    }  # fmt: skip
    done = client.post(url, data)
    again = client.post(url, data)  # a double click takes it once
    assert done.status_code == again.status_code == 302
    payment = Payment.objects.get()
    assert done["Location"] == reverse("payments:receipt", args=[payment.pk])
    assert payment.change_due.amount == D("20.00") and payment.transaction.kind == "deposit"
    line = payment.lines.get()
    assert line.is_deposit and line.account_id == account.pk
    account.refresh_from_db()
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("100.00")
    assert SecurityDeposit.objects.get(account=account).transaction_id == payment.transaction_id
    receipt = client.get(done["Location"]).content.decode()
    assert "Security deposit (held for the account" in receipt
    assert drawer_expected(drawer).cash == D("200.00")  # float + deposit
    payments.drawer_close(drawer=drawer, counts={"d20": 10}, checks=[], acting_user=alice)
    drawer.refresh_from_db()
    assert drawer.over_short_transaction is None
    payments.closeout_run(acting_user=carol)
    assert Deposit.objects.get(label="Utility receipts").cash.amount == D("100.00")
    call_command("verify_ledger")


def test_it_shows_a_bad_check_next_to_the_field(client, alice: User, bob: User, business_day):
    account = make_account(bob)
    open_drawer(alice)
    client.force_login(alice)
    url = reverse("collections:deposit", args=[account.pk])
    token = client.get(url).context["tokens"]["counter"]
    bad = client.post(url, {"form": "counter", "token": token, "amount": "100.00",
                            "tender": "check", "reference": ""})  # fmt: skip
    assert bad.status_code == 400 and "Enter the check number." in bad.content.decode()
    assert 'value="100.00"' in bad.content.decode() and not Payment.objects.exists()


def test_it_asks_a_clerk_without_a_drawer_to_open_one(client, alice: User, bob: User, business_day):
    account = make_account(bob)
    client.force_login(alice)
    page = client.get(reverse("collections:deposit", args=[account.pk])).content.decode()
    assert "Open your cash drawer to take a deposit at the counter." in page


def test_it_keeps_the_pooled_deposit_for_coordinators(alice: User, bob: User, business_day):
    account = make_account(bob)
    with pytest.raises(PermissionDenied):
        deposits.deposit_collect(account=account, amount=D("50.00"), acting_user=alice)
