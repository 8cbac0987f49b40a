"""The correction pages: cancel and rebill from the bill page, rebill estimated bills
from a read import's result, stop service with a final read from the account page.
Each carries a one-time token; clerks are refused; bad input stays on the form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from billing.bills.corrections import estimated_bills_with_actuals
from billing.models import Bill, MeterRead, RateSchedule
from billing.services.agreements import route_stop_set
from billing.services.imports import read_import_run, read_import_start
from billing_site.common.idempotency import issue_token
from tests.factories import make_account

from .bill_helpers import END, accounts, calculated, cycle, posted, read
from .helpers import agreement, metered_account

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _token(user, purpose: str) -> str:
    return issue_token(user_id=user.pk, purpose=purpose)


def test_it_cancels_and_rebills_from_the_bill_page(client, bob, business_day):
    (account,) = accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    wrong = MeterRead.objects.get(premise_id=account.premise_id, read_date=END)
    from billing.services.reads import meter_read_correct

    meter_read_correct(read=wrong, reading=D("15000"), reason="misread", acting_user=bob)
    client.force_login(bob)
    page = client.get(f"/billing/bills/{bill.pk}/").content.decode()
    assert f"/billing/bills/{bill.pk}/cancel/" in page
    data = {"reason": "misread", "note": "", "rebill": "on",
            "token": _token(bob, "billing.bill_cancel")}  # fmt: skip
    response = client.post(f"/billing/bills/{bill.pk}/cancel/", data)
    new = Bill.objects.get(rebill_of=bill)
    assert response.status_code == 302 and response["Location"] == f"/billing/bills/{new.pk}/"
    assert client.post(f"/billing/bills/{bill.pk}/cancel/", data).status_code == 302  # replay
    assert Bill.objects.filter(rebill_of__isnull=False).count() == 1
    account.refresh_from_db()
    assert new.new_charges.amount == D("43.50") == account.balance.amount
    body = client.get(f"/billing/bills/{bill.pk}/").content.decode()
    assert "Cancelled" in body and f"bill {new.number}" in body


def test_it_cancels_then_rebills_in_two_steps(client, bob, business_day):
    accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    client.force_login(bob)
    data = {"reason": "rate", "token": _token(bob, "billing.bill_cancel")}
    assert client.post(f"/billing/bills/{bill.pk}/cancel/", data).status_code == 302
    bill.refresh_from_db()
    assert bill.status == "cancelled"
    assert 'id="bill-rebill"' in client.get(f"/billing/bills/{bill.pk}/").content.decode()
    response = client.post(
        f"/billing/bills/{bill.pk}/rebill/", {"token": _token(bob, "billing.bill_rebill")}
    )
    assert response.status_code == 302
    assert Bill.objects.get(rebill_of=bill).new_charges.amount == D("49.70")


def test_it_keeps_the_cancel_form_when_the_note_is_missing(client, bob, business_day):
    accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    client.force_login(bob)
    data = {"reason": "other", "note": "", "token": _token(bob, "billing.bill_cancel")}
    response = client.post(f"/billing/bills/{bill.pk}/cancel/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Say why the bill is cancelled." in body and 'value="other" selected' in body
    bill.refresh_from_db()
    assert bill.status == "posted"


def test_it_refuses_a_clerk_the_correction_pages(client, alice, bob, business_day):
    (account,) = accounts(bob, 1)
    bill = posted(bob, calculated(bob)).bills.get()
    client.force_login(alice)
    assert client.get(f"/billing/bills/{bill.pk}/cancel/").status_code == 403
    data = {"reason": "rate", "token": _token(alice, "billing.bill_cancel")}
    assert client.post(f"/billing/bills/{bill.pk}/cancel/", data).status_code == 403
    assert client.get(f"/billing/accounts/{account.pk}/stop-service/").status_code == 403
    assert "cancel or rebill" not in client.get(f"/accounts/{account.pk}/").content.decode()
    bill.refresh_from_db()
    assert bill.status == "posted"


def test_it_stops_service_from_the_account_page(client, bob, business_day):
    (account,) = accounts(bob, 1)
    posted(bob, calculated(bob))
    client.force_login(bob)
    assert 'id="stop-service-link"' in client.get(f"/accounts/{account.pk}/").content.decode()
    page = client.get(f"/billing/accounts/{account.pk}/stop-service/")
    meter = account_meter(account)
    field = f"reading_{meter.pk}"
    assert field in page.content.decode()
    data = {"on": "2026-11-15", field: "", "token": _token(bob, "billing.stop_service")}
    refused = client.post(f"/billing/accounts/{account.pk}/stop-service/", data)
    assert refused.status_code == 400 and 'value="2026-11-15"' in refused.content.decode()
    data[field] = "17600"
    response = client.post(f"/billing/accounts/{account.pk}/stop-service/", data)
    final = Bill.objects.get(final_bill=True)
    assert response["Location"] == f"/billing/bills/{final.pk}/"
    assert final.new_charges.amount == D("8.11")  # 12.50 x 15/30 + 0.6 kgal x 3.10
    account.refresh_from_db()
    assert account.status == "final"


def test_it_rebills_an_estimate_when_the_actual_read_is_imported(client, bob, business_day):
    accounts(bob, 1)  # cycle C1 and the W-TEST schedule
    account = make_account(bob)
    meter = metered_account(bob, account, number="M-EST", reading="1000", on=date(2025, 1, 2))
    agreement(bob, account, RateSchedule.objects.get(code="W-TEST"))
    route_stop_set(account=account, route_id=cycle().routes.get().pk, sequence=50, acting_user=bob)
    read(bob, meter, date(2026, 9, 30), "5000")  # no read at the end of October: estimated
    run = posted(bob, calculated(bob))
    estimate = run.bills.get(account=account)
    assert estimate.estimated and estimate.status == "posted"
    assert estimated_bills_with_actuals([account.pk]) == []
    data = f"meter,account,read_date,reading,read_code\nM-EST,,{END:%Y-%m-%d},5300,01\n".encode()
    read_import, _ = read_import_start(
        file_name="oct.csv", data=data, format="csv", acting_user=bob
    )
    read_import_run(read_import=read_import)
    read_import.refresh_from_db()
    assert read_import.stored == 1, list(read_import.readexception_set.values("message"))
    client.force_login(bob)
    url = f"/billing/reads/import/{read_import.pk}/"
    assert 'id="rebill-estimates"' in client.get(url).content.decode()
    token = _token(bob, "billing.rebill_estimates")
    response = client.post(f"{url}rebill-estimates/", {"token": token})
    assert response.status_code == 302
    estimate.refresh_from_db()
    assert estimate.status == "cancelled" and estimate.cancel_reason == "estimate"
    rebill = Bill.objects.get(rebill_of=estimate)
    assert not rebill.estimated
    assert rebill.new_charges.amount == D("13.43")  # 12.50 + 0.3 kgal x 3.10 = 0.93
    account.refresh_from_db()
    assert account.balance.amount == D("13.43")


def account_meter(account):
    from billing.models import Meter

    return Meter.objects.get(installs__premise_id=account.premise_id)
