"""Each order type's completion effect, through the owning apps' services."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts import services as account_services
from billing.models import Bill, Meter, MeterInstall, MeterRead, OneTimeCharge
from collections_app.models import DepositRequired
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from service_orders import services
from service_orders.models import ServiceOrder
from tests.billing.test_first_final_bills import account_meter
from tests.factories import make_account, service

from .helpers import assigned, billed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _ledger_ok() -> None:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 discrepancies" in out.getvalue()


def test_it_stops_service_final_bills_applies_the_deposit_and_sets_forwarding(
    bob, dave, business_day
):
    account = billed(bob)
    ledger_services.deposit_take(
        account=account, amount=D("20.00"), memo="deposit", acting_user=bob
    )
    fwd = {"line1": "9 Elm St", "city": "Salem", "state": "OR", "zip": "97301"}
    order = assigned(bob, dave, account, "stop", forwarding=fwd)
    reading = account_meter(account).reads.order_by("-read_date").first().reading + 500
    done = services.order_complete(order=order, acting_user=dave, result_code="done",
                                   reading=reading)  # fmt: skip
    account.refresh_from_db()
    assert account.status == "final" and account.forwarding_city == "Salem"
    bill = Bill.objects.get(account=account, final_bill=True)
    assert bill.status == "posted" and f"Final bill {bill.number}" in done.outcome
    assert ledger_selectors.deposit_held(account.pk) == 0
    # the deposit came off what the final bill left owing
    assert account.balance.amount == bill.amount_due.amount - D("20.00")
    assert MeterRead.objects.filter(meter=account_meter(account), kind="final").count() == 1
    _ledger_ok()


def test_it_starts_service_on_a_pending_account_with_an_initial_read(bob, dave, business_day):
    account = make_account(bob, active=False)
    meter = Meter.objects.create(number="M-START", size="5/8", service=service("WATER"))
    MeterInstall.objects.create(meter=meter, premise_id=account.premise_id,
                                installed_on=timezone.localdate() - timedelta(days=30))  # fmt: skip
    order = assigned(bob, dave, account, "start")
    done = services.order_complete(
        order=order, acting_user=dave, result_code="done", reading=D("120")
    )
    account.refresh_from_db()
    assert account.status == "active"
    assert MeterRead.objects.get(meter=meter).kind == "initial"
    # the deposit rule started: residential, no credit result on file -> $100 required
    required = DepositRequired.objects.get(account=account)
    assert required.amount == D("100.00") and required.recorded_by == dave
    assert f"order {order.number}" in required.reason and "Deposit of $100.00" in done.outcome


def test_it_refuses_a_disconnect_once_the_account_is_paid(bob, dave, business_day):
    account = billed(bob)
    order = assigned(bob, dave, account, "disconnect")
    ledger_services.post_payment(account=account, amount=account.balance.amount, memo="paid",
                                 acting_user=bob)  # fmt: skip
    with pytest.raises(ValidationError, match="owes nothing"):
        services.order_complete(order=order, acting_user=dave, result_code="done")
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_it_refuses_a_disconnect_while_a_medical_flag_is_in_force(bob, dave, business_day):
    account = billed(bob)
    order = assigned(bob, dave, account, "disconnect")
    account_services.flag_set(
        account=account, kind="medical_need", reason="oxygen concentrator", acting_user=bob,
        expires_on=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Medical need"):
        services.order_complete(order=order, acting_user=dave, result_code="done")


def test_it_disconnects_an_account_that_still_owes(bob, dave, business_day):
    account = billed(bob)
    order = assigned(bob, dave, account, "disconnect")
    done = services.order_complete(order=order, acting_user=dave, result_code="done")
    assert done.status == "completed" and "disconnected" in done.outcome
    assert account.notes.filter(kind="system", text__contains="disconnected").exists()


def test_it_leaves_accounts_on_a_plan_off_the_disconnect_orders(bob, business_day):
    from collections_app import hooks

    paid, on_plan, owing = billed(bob), make_account(bob), make_account(bob)
    for a in (on_plan, owing):
        ledger_services.post_charges(account=a, charges=[(service("WATER"), D("40.00"))],
                                     memo="charge", acting_user=bob)  # fmt: skip
    ledger_services.post_payment(account=paid, amount=paid.balance.amount, memo="p",
                                 acting_user=bob)  # fmt: skip
    hooks.register_plans_in_good_standing(lambda ids: [on_plan.pk] if on_plan.pk in ids else [])
    try:
        made = services.disconnect_orders_create(
            account_ids=[paid.pk, on_plan.pk, owing.pk], due_on=timezone.localdate(),
            acting_user=bob,
        )  # fmt: skip
    finally:
        hooks._plans_in_good_standing.pop()
    assert [o.account_id for o in made] == [owing.pk]
    assert made[0].origin == "collections" and made[0].history.count() == 1


def test_it_reconnects_with_the_reconnect_fee_same_day(bob, dave, business_day):
    account = billed(bob)
    order = services.order_create(account=account, kind="reconnect", acting_user=bob)
    assert order.priority == "1_same_day"
    (order,) = services.orders_assign(orders=[order], technician=dave, acting_user=bob)
    order = services.order_start(order=order, acting_user=dave)
    before = account.balance.amount
    last = account_meter(account).reads.order_by("-read_date").first().reading
    services.order_complete(order=order, acting_user=dave, result_code="done", reading=last)
    charges = OneTimeCharge.objects.filter(account=account, status="posted")
    assert "reconnect" in {c.fee.code for c in charges}
    account.refresh_from_db()
    assert account.balance.amount - before == sum(c.amount.amount for c in charges)
    _ledger_ok()


def test_it_changes_a_meter_so_consumption_continues(bob, dave, business_day):
    account = billed(bob)
    old = account_meter(account)
    new = Meter.objects.create(number="M-NEW-1", size="5/8", service=service("WATER"))
    last = old.reads.order_by("-read_date").first().reading
    order = assigned(bob, dave, account, "meter_change", new_meter=new)
    services.order_complete(order=order, acting_user=dave, result_code="done",
                            reading=last + 300, new_reading=D("0"))  # fmt: skip
    assert old.reads.order_by("-pk").first().kind == "final"
    assert MeterRead.objects.get(meter=new).kind == "initial"
    assert MeterInstall.objects.get(meter=new, removed_on__isnull=True).premise_id == (
        account.premise_id
    )
    assert MeterInstall.objects.get(meter=old).removed_on == timezone.localdate()


def test_it_orders_a_meter_change_when_a_test_is_out_of_tolerance(bob, dave, business_day):
    account = billed(bob)
    good = assigned(bob, dave, account, "meter_test")
    done = services.order_complete(order=good, acting_user=dave, result_code="done",
                                   accuracy=(D("99.0"), D("100.2"), D("100.9")))  # fmt: skip
    assert "within tolerance" in done.outcome and not done.follow_ups.exists()
    bad = assigned(bob, dave, account, "meter_test")
    done = services.order_complete(order=bad, acting_user=dave, result_code="done",
                                   accuracy=(D("94.0"), D("99.5"), D("100.1")))  # fmt: skip
    follow_up = done.follow_ups.get()
    assert follow_up.kind == "meter_change" and follow_up.status == "open"
    assert "billing adjustment" in done.outcome


def test_it_sends_a_reread_through_the_read_checks(bob, dave, business_day):
    account = billed(bob)
    meter = account_meter(account)
    last = meter.reads.order_by("-read_date").first().reading
    order = assigned(bob, dave, account, "reread")
    done = services.order_complete(order=order, acting_user=dave, result_code="done",
                                   reading=last + 400)  # fmt: skip
    assert "stored" in done.outcome or "exceptions queue" in done.outcome
    assert meter.reads.filter(source=f"service order {order.number}").exists() or (
        meter.readexception_set.exists()
    )


def test_it_refuses_to_complete_a_cancelled_order(bob, dave, business_day):
    account = billed(bob)
    order = assigned(bob, dave, account, "investigate")
    services.order_cancel(order=order, reason="customer found the leak", acting_user=bob)
    with pytest.raises(ValidationError, match="cancelled order"):
        services.order_complete(order=order, acting_user=dave, result_code="done")


def test_it_completes_once(bob, dave, business_day):
    account = billed(bob)
    order = assigned(bob, dave, account, "notice")
    services.order_complete(order=order, acting_user=dave, result_code="delivered")
    with pytest.raises(ValidationError, match="already completed"):
        services.order_complete(order=order, acting_user=dave, result_code="delivered")
    assert account.notes.filter(kind="system", text__contains="Deliver notice").count() == 1


def test_it_keeps_reassignments_in_history(bob, dave, business_day):
    from tests.factories import make_user

    other = make_user("tina", "Field technician")
    account = billed(bob)
    order = services.order_create(account=account, kind="investigate", acting_user=bob)
    services.orders_assign(orders=[order], technician=dave, acting_user=bob)
    services.orders_assign(orders=[order], technician=other, acting_user=bob)
    reasons = list(
        ServiceOrder.history.filter(id=order.pk).order_by("history_id")
        .values_list("history_change_reason", "history_user__username")
    )  # fmt: skip
    assert reasons[-2:] == [("assigned to dave", "bob"), ("reassigned from dave to tina", "bob")]


def test_it_transfers_a_premise_in_one_order_from_one_read(bob, dave, business_day):
    outgoing = billed(bob)
    incoming = make_account(bob, active=False, premise=outgoing.premise)
    ledger_services.deposit_take(account=outgoing, amount=D("20.00"), memo="d", acting_user=bob)
    fwd = {"line1": "9 Elm St", "city": "Salem", "state": "OR", "zip": "97301"}
    order = services.transfer_create(outgoing=outgoing, incoming=incoming, forwarding=fwd,
                                     on=timezone.localdate(), acting_user=bob)  # fmt: skip
    assert order.kind == "transfer" and order.incoming_account_id == incoming.pk
    (order,) = services.orders_assign(orders=[order], technician=dave, acting_user=bob)
    order = services.order_start(order=order, acting_user=dave)
    meter = account_meter(outgoing)
    reading = meter.reads.order_by("-read_date").first().reading + 500
    done = services.order_complete(order=order, acting_user=dave, result_code="done",
                                   reading=reading)  # fmt: skip
    outgoing.refresh_from_db()
    incoming.refresh_from_db()
    assert outgoing.status == "final" and outgoing.forwarding_city == "Salem"
    assert incoming.status == "active"
    assert Bill.objects.filter(account=outgoing, final_bill=True, status="posted").count() == 1
    assert ledger_selectors.deposit_held(outgoing.pk) == 0
    # one read on the day: the final read of the one, the initial read of the other
    day_reads = MeterRead.objects.filter(meter=meter, read_date=timezone.localdate())
    assert [r.reading for r in day_reads] == [reading]
    assert f"{incoming.number} in, active from the same read {reading}" in done.outcome
    assert DepositRequired.objects.filter(account=incoming).exists()
    _ledger_ok()


def test_it_refuses_a_transfer_to_an_account_at_another_premise(bob, business_day):
    outgoing, elsewhere = make_account(bob), make_account(bob, active=False)
    with pytest.raises(ValidationError, match="another premise"):
        services.transfer_create(outgoing=outgoing, incoming=elsewhere, forwarding={},
                                 on=timezone.localdate(), acting_user=bob)  # fmt: skip
