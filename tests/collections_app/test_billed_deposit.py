"""A security deposit collected with the bill: the bill asks for it beside (never inside)
the amount owed, the stub's amount and scanline include it, and a payment's part above
what the account owes goes to deposits held, at the counter and in a lockbox file, until
the deposit is held in full."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from billing.bill_pdf import bill_pdf
from billing.bills.print_export import HEADER, export_csv
from billing.scanline import parse_scanline
from collections_app.models import SecurityDeposit
from collections_app.services.deposit_rule import deposit_put_on_bill
from ledger.selectors import deposit_held
from payments import services as payments
from payments import tasks
from tests.billing.bill_helpers import accounts, calculated, posted
from tests.payments.helpers import check, open_drawer, pay
from tests.payments.lockbox_files import lockbox_file
from tests.payments.returns_helpers import close_day

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _billed(bob, amount: str = "150.00"):
    (account,) = accounts(bob, 1)  # October: $49.70
    deposit_put_on_bill(account=account, amount=D(amount), acting_user=bob)
    run = posted(bob, calculated(bob))
    return account, run.bills.get()


def _verified() -> None:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 discrepancies" in out.getvalue()


def test_the_bill_asks_for_the_deposit_beside_the_amount_owed(bob, business_day):
    account, bill = _billed(bob)
    assert bill.amount_due.amount == D("49.70") and bill.deposit_due.amount == D("150.00")
    assert bill.stub_amount == D("199.70")
    account.refresh_from_db()
    assert account.balance.amount == D("49.70")  # the deposit is never what it owes
    text = _text(bill_pdf(bill=bill, acting_user=bob))
    assert "Security deposit due with this bill" in text and "$150.00" in text
    assert "Total to pay with the stub" in text and "$199.70" in text
    (line,) = re.findall(r"\b\d{29}\b", text)
    scanned = parse_scanline(line)
    assert scanned is not None and scanned.amount_due == D("199.70")
    rows = list(csv.reader(io.StringIO(export_csv(run=bill.run, bills=[bill], pages={}).decode())))
    row = dict(zip(HEADER, rows[1], strict=True))
    assert (row["amount_due"], row["deposit_due"], row["stub_amount"]) == (
        "49.70", "150.00", "199.70",
    )  # fmt: skip


def test_paying_the_stub_at_the_counter_pays_the_bill_and_the_deposit(alice, bob, business_day):
    account, _bill = _billed(bob)
    drawer = open_drawer(alice)
    payment = pay(alice, drawer, account, "199.70")
    account.refresh_from_db()
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("150.00")
    lines = sorted((line.is_deposit, line.amount.amount) for line in payment.lines.all())
    assert lines == [(False, D("49.70")), (True, D("150.00"))]
    kept = SecurityDeposit.objects.get(account=account)
    assert (kept.amount, kept.transaction_id, kept.taken_by) == (
        D("150.00"), payment.transaction_id, alice,
    )  # fmt: skip
    # Held in full: more money is a credit, and the next bill asks for no deposit.
    pay(alice, drawer, account, "10.00")
    account.refresh_from_db()
    assert account.balance.amount == D("-10.00") and deposit_held(account.pk) == D("150.00")
    _verified()


def test_a_partial_payment_pays_what_is_owed_first(alice, bob, business_day):
    account, _bill = _billed(bob)
    drawer = open_drawer(alice)
    pay(alice, drawer, account, "40.00")
    account.refresh_from_db()
    assert account.balance.amount == D("9.70") and deposit_held(account.pk) == D("0.00")
    pay(alice, drawer, account, "59.70")  # 9.70 owed, 50.00 of the deposit
    account.refresh_from_db()
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("50.00")
    payment = pay(alice, drawer, account, "120.00")  # 100.00 still to take, 20.00 credit
    account.refresh_from_db()
    assert account.balance.amount == D("-20.00") and deposit_held(account.pk) == D("150.00")
    assert payment.transaction.kind == "payment"
    _verified()


def test_a_lockbox_row_of_the_stub_amount_pays_both(bob, business_day):
    account, _bill = _billed(bob)
    data = lockbox_file([(account.number, "199.70"), (account.number, "25.00")])
    batch = payments.lockbox_import(file_name="lockbox.csv", data=data, acting_user=bob)
    tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    batch.refresh_from_db()
    assert [i.problem for i in batch.items.order_by("line_number")] == ["", ""]
    account.refresh_from_db()
    # The first row pays the bill and the deposit; the second finds it held: a credit.
    assert account.balance.amount == D("-25.00") and deposit_held(account.pk) == D("150.00")
    assert SecurityDeposit.objects.get(account=account).amount == D("150.00")
    _verified()


def test_rows_of_one_file_share_what_is_still_to_take(bob, business_day):
    account, _bill = _billed(bob)
    rows = [(account.number, "49.70"), (account.number, "100.00"), (account.number, "75.00")]
    batch = payments.lockbox_import(
        file_name="lockbox.csv", data=lockbox_file(rows), acting_user=bob
    )
    tasks.lockbox_post.enqueue(batch.pk, bob.pk)
    batch.refresh_from_db()
    assert [i.problem for i in batch.items.order_by("line_number")] == ["", "", ""]
    account.refresh_from_db()
    # The bill, then 100.00 all to the deposit, then 50.00 of it and 25.00 credit.
    assert account.balance.amount == D("-25.00") and deposit_held(account.pk) == D("150.00")
    kept = sorted(SecurityDeposit.objects.filter(account=account).values_list("amount", flat=True))
    assert kept == [D("50.00"), D("100.00")]
    _verified()


def test_only_coordinators_put_a_deposit_on_the_bill(client, alice, bob, business_day):
    (account,) = accounts(bob, 1)
    with pytest.raises(PermissionDenied):
        deposit_put_on_bill(account=account, amount=D("100.00"), acting_user=alice)
    client.force_login(bob)
    url = reverse("collections:deposit", args=[account.pk])
    page = client.get(url)
    data = {"form": "bill", "token": page.context["tokens"]["bill"], "amount": "-5"}
    refused = client.post(url, data)
    assert "greater than or equal to 0.01" in refused.content.decode(), refused.status_code
    assert 'value="-5"' in refused.content.decode()  # what was typed stays
    assert not account.deposits_required.exists()
    data["amount"] = "125.00"
    assert client.post(url, data).status_code == 302
    shown = client.get(url).content.decode()
    assert "collected with the bill" in shown and "$125.00 still to take" in shown
    client.force_login(alice)
    page = client.get(url)
    assert "Put it on the bill" not in page.content.decode()
    data = {"form": "bill", "token": "x", "amount": "125.00"}
    client.post(url, data)
    assert account.deposits_required.count() == 1


def test_a_void_takes_the_deposit_back_out_and_it_is_still_to_take(alice, bob, carol, business_day):
    account, _bill = _billed(bob)
    drawer = open_drawer(alice)
    payment = pay(alice, drawer, account, "199.70")
    payments.payment_void(payment=payment, reason="Keyed on the wrong account", acting_user=carol)
    account.refresh_from_db()
    assert account.balance.amount == D("49.70") and deposit_held(account.pk) == D("0.00")
    kept = SecurityDeposit.objects.get(account=account)
    assert kept.returned_on == business_day.date and kept.amount == D("150.00")
    assert "voided with receipt" in kept.returned_how and "wrong account" in kept.returned_how
    note = account.notes.filter(text__contains="taken back").get()
    assert "$150.00" in note.text
    # Still required: the next stub payment takes it again, a new deposit taken.
    pay(alice, drawer, account, "199.70")
    assert deposit_held(account.pk) == D("150.00")
    assert SecurityDeposit.objects.filter(account=account, returned_on__isnull=True).count() == 1
    _verified()


def test_a_returned_check_takes_its_deposit_part_back(alice, bob, business_day):
    account, _bill = _billed(bob)
    drawer = open_drawer(alice)
    payment = pay(alice, drawer, account, "199.70", check("199.70", "4410"))
    close_day(alice)
    payments.payment_return(payment=payment, kind="returned_check", reason="NSF", acting_user=bob)
    assert deposit_held(account.pk) == D("0.00")
    kept = SecurityDeposit.objects.get(account=account)
    assert kept.returned_on is not None and "NSF" in kept.returned_how
    _verified()


def test_a_payment_without_a_deposit_part_leaves_deposits_alone(alice, bob, carol, business_day):
    account, _bill = _billed(bob)
    drawer = open_drawer(alice)
    pay(alice, drawer, account, "199.70")
    other = pay(alice, drawer, account, "5.00")  # held in full by now: a credit
    payments.payment_void(payment=other, reason="Twice", acting_user=carol)
    assert deposit_held(account.pk) == D("150.00")
    assert SecurityDeposit.objects.get(account=account).returned_on is None
    assert not account.notes.filter(text__contains="taken back").exists()


def test_the_counter_asks_no_confirmation_for_the_stub_amount(client, alice, bob, business_day):
    account, _bill = _billed(bob)
    open_drawer(alice)
    client.force_login(alice)
    url = reverse("payments:take")

    def post(amount: str):
        token = re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode())
        data = {"account_0": account.number, "amount_0": amount, "cash_amount": amount}
        return client.post(url, {"token": token.group(1), **data})  # type: ignore[union-attr]

    # Far above the bill and its deposit: the credit left is what is asked about.
    refused = post("350.00")
    assert refused.status_code == 400
    assert (
        "$350.00 is more than the $49.70 owed and the $150.00 deposit due: it leaves a credit "
        "of $150.30" in refused.content.decode()
    )
    assert deposit_held(account.pk) == D("0.00")
    assert post("199.70").status_code == 302  # the stub: the bill and the deposit, no question
    account.refresh_from_db()
    assert account.balance.amount == D("0.00") and deposit_held(account.pk) == D("150.00")
