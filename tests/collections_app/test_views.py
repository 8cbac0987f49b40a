"""The collections pages over HTTP: the aging (start, group, drill, PDF, CSV), explain this
balance, the late-fee proof list and posting, a waiver, a notice run sent from its proof
list with its letters printed, the disconnect list; clerks refused; bad input kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader

from billing_site.common.idempotency import issue_token
from collections_app.models import AgingRun, LateFeeRun, NoticeRun, NoticeStep
from tests.factories import make_account

from .helpers import bill, pay

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(BytesIO(response.getvalue())).pages)


def owing(bob, n: int = 3) -> list:
    accounts = [make_account(bob) for _ in range(n)]
    for k, account in enumerate(accounts):
        bill(bob, account, bill_date=date(2026, 9, 24), due_date=date(2026, 10, 14),
             WATER=f"{40 + k}.00")  # fmt: skip
        bill(bob, account, bill_date=date(2026, 10, 24), due_date=date(2026, 11, 6),
             WATER="30.00", SEWER="9.00")  # fmt: skip
    return accounts


def test_it_runs_an_aging_and_drills_into_a_bucket(business_day, bob, erin, alice,
                                                     django_assert_max_num_queries):  # fmt: skip
    accounts = owing(bob)
    page = client_for(bob).post(
        "/collections/aging/", {"as_of": "2026-11-23", "limits": "30, 60, 90"}
    )
    run = AgingRun.objects.get()
    assert page.status_code == 302 and run.status == "done"
    auditor = client_for(erin)
    detail = auditor.get(f"/collections/aging/{run.pk}/?by=service")
    assert b"Current (0-30)" in detail.content and b"Reconciliation" in detail.content
    water = accounts[0].entries.filter(service__code="WATER").first().service_id
    with django_assert_max_num_queries(12):
        cell = auditor.get(f"/collections/aging/{run.pk}/cell/?by=service&key={water}&bucket=1")
    assert all(a.number.encode() in cell.content for a in accounts)  # 60 days: 31-60
    text = pdf_text(auditor.get(f"/collections/aging/{run.pk}/?by=fund&format=pdf"))
    assert "Aging of receivables" in text and "Receivable GL balance" in text
    csv = auditor.get(f"/collections/aging/{run.pk}/?by=status&format=csv").content.decode()
    assert "Active" in csv and "Receivable GL balance" in csv and "240.00" in csv
    assert client_for(alice).get(f"/collections/aging/{run.pk}/").status_code == 403


def test_it_keeps_what_was_typed_when_the_buckets_are_wrong(business_day, bob):
    page = client_for(bob).post("/collections/aging/", {"as_of": "2026-11-23", "limits": "60, 30"})
    assert page.status_code == 200
    assert b"Bucket limits must go up" in page.content and b'value="60, 30"' in page.content
    assert not AgingRun.objects.exists()


def test_it_explains_a_balance_oldest_bill_first(business_day, bob, alice):
    (account,) = owing(bob, 1)
    pay(bob, account, "45.00")
    page = client_for(alice).get(f"/collections/accounts/{account.pk}/explain/?as_of=2026-11-23")
    assert page.status_code == 200
    items = page.context["explanation"].items
    assert [i.open_amount for i in items] == [D("34.00")]  # 45 paid Sep's 40, 5 of Oct
    assert page.context["explanation"].total == D("34.00")
    assert b"Explain this balance" in client_for(alice).get(f"/accounts/{account.pk}/").content


def test_it_posts_late_fees_from_the_proof_list_once(business_day, bob, carol, alice):
    accounts = owing(bob)
    coordinator = client_for(bob)
    assert (
        client_for(alice).post("/collections/late-fees/", {"due_date": "2026-11-06"}).status_code
        == 403
    )
    coordinator.post("/collections/late-fees/", {"due_date": "2026-11-06"})
    run = LateFeeRun.objects.get()
    assert run.status == "review"
    proof = pdf_text(coordinator.get(f"/collections/late-fees/{run.pk}/?format=pdf"))
    assert "Late-fee proof list" in proof and accounts[0].number in proof
    assert "1.5% = $0.45" in proof  # how each fee was computed
    csv = coordinator.get(f"/collections/late-fees/{run.pk}/?format=csv").content.decode()
    assert "Past due under $10.00" in csv
    assert "How the fee was computed" in csv
    assert "1.5% = $0.45; raised to the minimum $5.00" in csv
    page = coordinator.get(f"/collections/late-fees/{run.pk}/").content.decode()
    assert "1.5% = $0.45; raised to the minimum $5.00" in page
    supervisor = client_for(carol)
    token = issue_token(user_id=carol.pk, purpose="collections.late_fee_post")
    for _ in range(2):  # a double click posts once
        supervisor.post(f"/collections/late-fees/{run.pk}/", {"confirm": "on", "token": token})
    run.refresh_from_db()
    assert run.status == "posted"
    assert run.lines.filter(status="posted").count() == 3  # water 30.00 each: $5.00 minimum
    accounts[0].refresh_from_db()
    assert accounts[0].balance.amount == D("84.00")
    line = run.lines.filter(status="posted").first()
    assert (
        client_for(alice).get(f"/collections/late-fees/lines/{line.pk}/waive/").status_code == 403
    )
    waive_token = issue_token(user_id=bob.pk, purpose="collections.late_fee_waive")
    coordinator.post(
        f"/collections/late-fees/lines/{line.pk}/waive/",
        {"amount": "5.00", "reason": "First late payment", "token": waive_token},
    )
    account_page = coordinator.get(f"/accounts/{line.account_id}/").content.decode()
    assert "First late payment" in account_page


def test_it_sends_a_notice_run_and_prints_the_letters(business_day, bob, carol, alice):
    accounts = owing(bob)
    step = NoticeStep.objects.get(code="reminder")
    supervisor = client_for(carol)
    assert client_for(alice).post("/collections/notices/", {"step": step.pk}).status_code == 403
    supervisor.post("/collections/notices/", {"step": step.pk})
    run = NoticeRun.objects.get()
    page = supervisor.get(f"/collections/notices/{run.pk}/")
    assert page.context["included"] == 3
    token = issue_token(user_id=carol.pk, purpose="collections.notice_send")
    supervisor.post(f"/collections/notices/{run.pk}/", {"confirm": "on", "token": token})
    run.refresh_from_db()
    assert run.status == "posted"
    assert client_for(alice).post(f"/collections/notices/{run.pk}/print/").status_code == 403
    printed = supervisor.post(f"/collections/notices/{run.pk}/print/")
    assert printed.status_code == 302
    text = pdf_text(supervisor.get(f"/collections/notices/{run.pk}/letters.pdf"))
    assert all(a.number in text for a in accounts)
    assert "Your utility account is past due" in text
    csv = supervisor.get(f"/collections/notices/{run.pk}/?format=csv").content.decode()
    assert accounts[0].number in csv


def test_it_lists_the_disconnects_by_route_as_pdf_and_csv(business_day, bob, carol):
    accounts = owing(bob, 2)
    step = NoticeStep.objects.get(code="disconnect")
    step.needs_previous, step.days = False, 5
    step.save()
    supervisor = client_for(carol)
    supervisor.post("/collections/notices/", {"step": step.pk})
    run = NoticeRun.objects.get()
    token = issue_token(user_id=carol.pk, purpose="collections.notice_send")
    supervisor.post(f"/collections/notices/{run.pk}/", {"confirm": "on", "token": token})
    text = pdf_text(supervisor.get(f"/collections/notices/{run.pk}/?list=disconnect&format=pdf"))
    assert "Disconnect list" in text and accounts[1].number in text
    csv = supervisor.get(f"/collections/notices/{run.pk}/?list=disconnect&format=csv")
    assert csv.content.decode().count("\n") == 3  # header and two accounts


def test_it_records_the_property_owner_and_sends_a_letter(business_day, bob, alice):
    account = make_account(bob)
    coordinator = client_for(bob)
    refused = coordinator.post(f"/collections/accounts/{account.pk}/owner/", {"owner_name": "Lee"})
    assert b"Give the owner" in refused.content and b'value="Lee"' in refused.content
    coordinator.post(f"/collections/accounts/{account.pk}/owner/", {
        "owner_name": "Lee Landlord", "owner_line1": "9 Harbor Rd", "owner_city": "Tallahassee",
        "owner_state": "FL", "owner_zip": "32308"})  # fmt: skip
    account.premise.refresh_from_db()
    assert account.premise.has_owner
    from collections_app.models import LetterTemplate

    general = LetterTemplate.objects.get(code="general")
    token = issue_token(user_id=bob.pk, purpose="collections.letter_send")
    coordinator.post(
        f"/collections/accounts/{account.pk}/letters/",
        {"template": general.pk, "text": "Your meter is being replaced.", "token": token},
    )
    letter = account.letters.get()
    assert "Your meter is being replaced." in pdf_text(client_for(alice).get(
        f"/collections/letters/{letter.pk}/letter.pdf"))  # fmt: skip
    assert (
        client_for(alice)
        .post(f"/collections/accounts/{account.pk}/letters/", {"template": general.pk, "text": "x"})
        .status_code
        == 403
    )
