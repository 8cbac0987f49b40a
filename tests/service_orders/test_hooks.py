"""What service orders lend lower apps through registries: the receipt's offer to cancel a
pending disconnect, the notice run's disconnect orders, the read exception's re-read."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ledger import services as ledger_services
from service_orders import services
from service_orders.models import ServiceOrder
from tests.factories import make_account, service
from tests.payments.helpers import open_drawer, pay

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _owing(bob, amount="64.25"):
    account = make_account(bob)
    ledger_services.post_charges(account=account, charges=[(service("WATER"), D(amount))],
                                 memo="charge", acting_user=bob)  # fmt: skip
    account.refresh_from_db()
    return account


def test_it_offers_on_the_receipt_to_cancel_a_disconnect_once_paid(bob, business_day):
    account = _owing(bob)
    order = services.order_create(account=account, kind="disconnect", acting_user=bob)
    drawer = open_drawer(bob)
    part = pay(bob, drawer, account, "20.00")
    c = _client(bob)
    page = c.get(reverse("payments:receipt", args=[part.pk]))
    assert f'id="offer-cancel-disconnect-{order.pk}"'.encode() not in page.content
    paid = pay(bob, drawer, account, "44.25")
    receipt = reverse("payments:receipt", args=[paid.pk])
    page = c.get(receipt)
    assert f'id="offer-cancel-disconnect-{order.pk}-action"'.encode() in page.content
    cancel = page.context["offers"][0].url
    assert cancel.startswith(reverse("service_orders:cancel", args=[order.pk]))
    token = c.get(cancel).context["token"]
    done = c.post(cancel, {"token": token, "reason": "Paid in full at the counter"})
    assert done.status_code == 302 and done["Location"] == receipt
    assert ServiceOrder.objects.get(pk=order.pk).status == "cancelled"


def test_it_tells_a_clerk_on_the_receipt_to_ask_a_coordinator(alice, bob, business_day):
    account = _owing(bob)
    (order,) = services.disconnect_orders_create(
        account_ids=[account.pk], due_on=timezone.localdate(), acting_user=bob
    )
    paid = pay(alice, open_drawer(alice), account, "64.25")
    page = _client(alice).get(reverse("payments:receipt", args=[paid.pk]))
    assert f'id="offer-cancel-disconnect-{order.pk}"'.encode() in page.content
    assert b"Ask a coordinator" in page.content
    assert f'id="offer-cancel-disconnect-{order.pk}-action"'.encode() not in page.content


def test_it_offers_the_cancel_on_the_pay_screen_after_an_htmx_payment(bob, business_day):
    account = _owing(bob)
    order = services.order_create(account=account, kind="disconnect", acting_user=bob)
    open_drawer(bob)
    c = _client(bob)
    token = c.get(reverse("payments:take")).context["token"]
    page = c.post(
        reverse("payments:take"),
        {"token": token, "account_0": account.number, "amount_0": "64.25", "cash_amount": "64.25"},
        headers={"HX-Request": "true", "HX-Target": "pay-screen"},
    )  # fmt: skip
    assert page.status_code == 200, page.content[:2000]
    assert f'id="offer-cancel-disconnect-{order.pk}-action"'.encode() in page.content


def _sent_disconnect_list(bob, accounts):
    from datetime import date

    from collections_app.models import NoticeLine, NoticeRun, NoticeStep
    from tests.collections_app.helpers import bill

    step = NoticeStep.objects.get(is_disconnect=True)
    run = NoticeRun.objects.create(step=step, run_date=timezone.localdate(), status="posted",
                                   created_by=bob)  # fmt: skip
    for a in accounts:
        b = bill(bob, a, bill_date=date(2026, 10, 1), due_date=date(2026, 10, 21), WATER="80.00")
        NoticeLine.objects.create(run=run, account=a, bill=b, past_due=D("80.00"), included=True,
                                  reason="Past due")  # fmt: skip
    return run


def test_it_creates_disconnect_orders_from_the_notice_run_page(bob, business_day):
    from accounts import services as account_services

    owing, medical, paid = (make_account(bob) for _ in range(3))
    run = _sent_disconnect_list(bob, [owing, medical, paid])
    until = timezone.localdate().replace(year=2030)
    account_services.flag_set(
        account=medical, kind="medical_need", reason="Oxygen", expires_on=until, acting_user=bob
    )
    ledger_services.post_payment(account=paid, amount=D("80.00"), memo="p", acting_user=bob)
    c = _client(bob)
    url = reverse("collections:notice_run", args=[run.pk])
    page = c.get(url)
    html = page.content.decode()
    assert 'id="create-disconnect-orders"' in html and "1 to order, 2 refused" in html
    assert f"{medical.number}</span>: Medical need on file" in html
    assert f"{paid.number}</span>: The account owes nothing." in html
    action = page.context["run_actions"][0]
    done = c.post(action.url, {"token": action.token}, follow=True)
    assert done.redirect_chain[-1][0] == url
    text = done.content.decode()
    assert "1 disconnect order created; 2 accounts refused; 0 already had one." in text
    assert list(ServiceOrder.objects.values_list("account_id", "origin")) == [
        (owing.pk, "collections")
    ]
    again = c.post(action.url, {"token": action.token})  # a double click: the first result
    assert again.status_code == 302 and ServiceOrder.objects.count() == 1
    assert "1 with an open disconnect order, 0 to order" in c.get(url).content.decode()
    assert 'id="create-disconnect-orders"' not in c.get(url).content.decode()


def test_it_shows_no_disconnect_order_button_to_a_clerk(alice, bob, business_day):
    run = _sent_disconnect_list(bob, [make_account(bob)])
    c = _client(alice)
    page = c.get(reverse("collections:notice_run", args=[run.pk]))
    if page.status_code == 200:
        assert b'id="create-disconnect-orders"' not in page.content
    refused = c.post(reverse("service_orders:disconnect_orders", args=[run.pk]), {"token": "x"})
    assert refused.status_code == 403 and not ServiceOrder.objects.exists()


def test_it_shows_the_deposit_required_on_the_account_page_and_the_counter(
    alice, bob, business_day
):
    from collections_app.services.deposit_rule import deposit_rule_start

    account = make_account(bob)
    required = deposit_rule_start(account=account, reason="service started, order 1001",
                                  acting_user=bob)  # fmt: skip
    assert required is not None and required.amount == D("100.00")
    c = _client(alice)
    page = c.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert 'id="deposit-required"' in page and "$100.00</span> still to take" in page
    lookup = c.get(reverse("payments:lookup"), {"q": account.number}).content.decode()
    assert "Deposit required: $100.00 still to take" in lookup
    ledger_services.deposit_take(account=account, amount=D("100.00"), memo="d", acting_user=bob)
    lookup = c.get(reverse("payments:lookup"), {"q": account.number}).content.decode()
    assert "Deposit required" not in lookup
    assert ": held." in c.get(reverse("accounts:detail", args=[account.pk])).content.decode()


def test_it_refuses_the_deposit_rule_to_a_technician(dave, bob, business_day):
    from django.core.exceptions import PermissionDenied

    from collections_app.services.deposit_rule import deposit_rule_start

    with pytest.raises(PermissionDenied):
        deposit_rule_start(account=make_account(bob), reason="x", acting_user=dave)


def _read_exception(bob):
    from billing.services.reads import meter_read_record
    from tests.billing.test_first_final_bills import account_meter

    from .helpers import billed

    account = billed(bob)
    meter = account_meter(account)
    last = meter.reads.order_by("-read_date", "-pk").first()
    bad = meter_read_record(meter=meter, read_date=timezone.localdate(), acting_user=bob,
                            reading=last.reading - 300)  # fmt: skip
    assert bad.__class__.__name__ == "ReadException"
    return account, meter, last, bad


def test_it_orders_a_reread_from_a_read_exception_and_resolves_it(bob, dave, business_day):
    account, meter, last, bad = _read_exception(bob)
    c = _client(bob)
    page = c.get(reverse("billing:exceptions"))
    assert f'id="reread-order-{bad.pk}"'.encode() in page.content
    (action,) = next(x for x in page.context["exceptions"] if x.pk == bad.pk).actions
    done = c.post(action.url, {"token": action.token}, follow=True)
    order = ServiceOrder.objects.get(read_exception=bad)
    assert order.kind == "reread" and order.origin == "read_exception"
    assert order.account_id == account.pk and order.meter_id == meter.pk
    assert f"Re-read order {order.number} created." in done.content.decode()
    assert f'id="reread-status-{bad.pk}"'.encode() in done.content  # no second button
    again = c.post(action.url, {"token": action.token})  # a replay: the first result
    assert again.status_code == 302 and ServiceOrder.objects.filter(read_exception=bad).count() == 1
    (order,) = services.orders_assign(orders=[order], technician=dave, acting_user=bob)
    order = services.order_start(order=order, acting_user=dave)
    usual = last.reading + 24 * (timezone.localdate() - last.read_date).days  # 24 a day
    done = services.order_complete(order=order, acting_user=dave, result_code="done",
                                   reading=usual)  # fmt: skip
    bad.refresh_from_db()
    assert bad.status == "reread" and bad.read is not None, done.outcome
    assert bad.read.reading == usual and bad.resolved_by == dave
    assert f"Read exception {bad.pk} resolved." in done.outcome
    assert f'data-exception="{bad.pk}"'.encode() not in c.get(reverse("billing:exceptions")).content


def test_it_refuses_a_reread_order_to_a_technician(bob, dave, business_day):
    _account, _meter, _last, bad = _read_exception(bob)
    c = _client(dave)
    refused = c.post(reverse("service_orders:reread_order", args=[bad.pk]), {"token": "x"})
    assert refused.status_code == 403 and not ServiceOrder.objects.exists()
