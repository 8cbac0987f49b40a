"""The receipt ``payment_take`` hands back is the one ``payment_for_receipt`` reads.

The counter's htmx POST shows the receipt panel from the payment just taken,
without reading it again; these tests render the panel both ways, for every shape
of receipt, and require the same HTML (and no statement for the loaded one).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from payments import services
from payments.models import MiscRevenueItem, Payment
from payments.selectors import account_to_pay, payment_for_receipt
from payments.services import AccountPart, MiscPart, TenderIn
from tests.factories import make_account

from .helpers import card, cash, charge, check, open_drawer

D = Decimal
pytestmark = pytest.mark.django_db
PANEL = "payments/partials/_receipt_panel.html"


def _same_receipt(payment: Payment) -> str:
    with CaptureQueriesContext(connection) as queries:
        loaded = render_to_string(PANEL, {"payment": payment})
    assert len(queries.captured_queries) == 0  # everything the panel shows came with it
    read = payment_for_receipt(payment.pk)
    assert loaded == render_to_string(PANEL, {"payment": read})
    for mine, theirs in zip(payment.lines.all(), read.lines.all(), strict=True):
        assert getattr(mine, "paid_to", None) == getattr(theirs, "paid_to", None)
        assert getattr(mine, "balance_after", None) == getattr(theirs, "balance_after", None)
        if mine.account_id:  # what the receipt's offers read (a pending disconnect once paid)
            assert mine.account.balance == theirs.account.balance
    return loaded


def _part(account, amount: str, row: int = 0) -> AccountPart:
    found = account_to_pay(account.number)  # as the payment form finds it
    return AccountPart(account=found, amount=D(amount), field=f"account_{row}")


def test_it_loads_a_partial_payment_over_several_services(alice, bob, account, business_day):
    charge(account, bob, water="40.00", sewer="25.00", pen="5.00")
    payment = services.payment_take(
        drawer=open_drawer(alice),
        accounts=[_part(account, "42.5")],  # typed without its last zero
        tenders=[cash("50")],
        acting_user=alice,
    )
    html = _same_receipt(payment)
    assert "Change due: $7.50" in html and "Balance after this payment $27.50" in html


def test_it_loads_an_overpayment_left_as_credit(alice, bob, account, business_day):
    charge(account, bob, water="40.00")
    payment = services.payment_take(
        drawer=open_drawer(alice),
        accounts=[_part(account, "60.00")],
        tenders=[cash("60.00")],
        acting_user=alice,
    )
    html = _same_receipt(payment)
    assert "Credit on account" in html
    assert "Balance after this payment credit $20.00" in html  # not "-$20.00"


def test_it_loads_a_payment_that_settles_an_earlier_credit(alice, bob, account, business_day):
    drawer = open_drawer(alice)
    services.payment_take(
        drawer=drawer, accounts=[_part(account, "30.00")], tenders=[cash("30")], acting_user=alice
    )
    charge(account, bob, water="12.00", sewer="8.00")
    payment = services.payment_take(
        drawer=drawer, accounts=[_part(account, "5.00")], tenders=[cash("5")], acting_user=alice
    )
    _same_receipt(payment)


def test_it_loads_several_accounts_and_tenders(alice, bob, account, business_day):
    other = make_account(bob)
    charge(account, bob, water="40.00")
    charge(other, bob, water="60.00", trash="10.00")
    payment = services.payment_take(
        drawer=open_drawer(alice),
        accounts=[_part(account, "40.00"), _part(other, "30.10", row=1)],
        tenders=[check("50.00", "555"), card("10.00"), cash("20.1")],
        payer="  A. Landlord ",
        acting_user=alice,
    )
    html = _same_receipt(payment)
    assert "Paid by A. Landlord" in html and "#555" in html and "ending 4242" in html


def test_it_loads_a_misc_receipt(alice, business_day):
    lien = MiscRevenueItem.objects.get(name="Lien search")
    payment = services.payment_take(
        drawer=open_drawer(alice),
        misc=[MiscPart(item=lien, amount=D("25"), description="Lien search for 4 Elm St")],
        tenders=[TenderIn("money_order", D("25.00"), "MO-77")],
        acting_user=alice,
    )
    assert "Lien search for 4 Elm St" in _same_receipt(payment)


def test_it_loads_a_deposit_receipt(alice, account, business_day):
    payment = services.payment_take(
        drawer=open_drawer(alice),
        deposits=[AccountPart(account=account_to_pay(account.number), amount=D("75"))],
        tenders=[cash("80")],
        acting_user=alice,
    )
    assert "Security deposit" in _same_receipt(payment)


def test_it_offers_to_cancel_a_pending_disconnect_after_the_htmx_post(alice, bob, business_day):
    from django.test import Client
    from django.urls import reverse

    from service_orders import services as order_services

    account = make_account(bob)
    charge(account, bob, water="64.25")
    order_services.order_create(account=account, kind="disconnect", acting_user=bob)
    open_drawer(alice)
    clerk = Client()
    clerk.force_login(alice)
    url = reverse("payments:take")
    token = clerk.get(url).context["token"]
    fields = {"token": token, "account_0": account.number, "amount_0": "64.25"}
    answer = clerk.post(
        url, {**fields, "cash_amount": "70"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pay-screen"
    )
    assert answer.status_code == 200 and 'id="receipt-offers"' in answer.content.decode()
