"""Notices: a timeline walked day by day over a month of business days with a holiday,
each step firing on the right day for the right accounts and not for the excluded ones;
a payment the morning of the disconnect list takes the account off; the owner's copy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from accounts import services as account_services
from accounts.choices import FlagKind
from billing_site.common.documents import document_bytes
from billing_site.common.tasks import run_long_task
from collections_app.models import AccountStep, Letter, LetterTemplate, NoticeStep
from collections_app.services import letters as letter_services
from collections_app.services import notices
from ledger.models import Holiday
from tests.factories import make_account, make_customer, service

from .helpers import bill, next_day, pay

pytestmark = pytest.mark.django_db(transaction=False)

DUE, BILLED = date(2026, 11, 23), date(2026, 11, 2)


@pytest.fixture
def steps(db):
    NoticeStep.objects.update(is_active=False)
    reminder = LetterTemplate.objects.get(code="reminder")
    shutoff = LetterTemplate.objects.get(code="shutoff")
    return [
        NoticeStep.objects.create(code="t-remind", name="Reminder", position=11, days=3,
                                  day_kind="business", minimum_past_due=D("5"),
                                  letter_template=reminder, needs_previous=False),
        NoticeStep.objects.create(code="t-shutoff", name="Shut-off notice", position=12, days=7,
                                  day_kind="calendar", minimum_past_due=D("25"), fee=D("10"),
                                  fee_service=service("PEN"), letter_template=shutoff),
        NoticeStep.objects.create(code="t-disc", name="Disconnect", position=13, days=12,
                                  day_kind="business", minimum_past_due=D("25"),
                                  is_disconnect=True, excluded_flags=[FlagKind.MEDICAL_NEED]),
    ]  # fmt: skip


def sent(by, step, **kw):
    run = notices.notice_run_start(step=step, acting_user=by, **kw)
    if run.lines.filter(included=True).exists():
        task = notices.notice_run_send(run=run, acting_user=by)
        task.refresh_from_db()
        if task.status != "done":
            run_long_task(task=task)
    run.refresh_from_db()
    return run


def test_it_walks_the_timeline_day_by_day(business_day, bob, carol, steps):
    Holiday.objects.create(date=date(2026, 11, 26), name="Thanksgiving")
    names = ["steady", "small", "medical", "payer", "city"]
    accounts = {n: make_account(bob) for n in names[:4]}
    accounts["city"] = make_account(bob, customer=make_customer(bob, is_city=True))
    for name, account in accounts.items():
        bill(bob, account, bill_date=BILLED, due_date=DUE,
             WATER="20.00" if name == "small" else "100.00")  # fmt: skip
    account_services.flag_set(
        account=accounts["medical"],
        kind=FlagKind.MEDICAL_NEED,
        reason="Oxygen",
        expires_on=date(2027, 3, 1),
        acting_user=bob,
    )
    fired: dict[tuple[str, str], date] = {}
    day = next_day(carol)  # Tue Nov 24
    while day.date <= date(2026, 12, 23):
        if day.date == date(2026, 12, 1):
            pay(bob, accounts["payer"], "110.00")  # in full, fee included
        for step in steps:
            sent(carol, step)
        for s in AccountStep.objects.select_related("step", "account"):
            name = next(n for n, a in accounts.items() if a.pk == s.account_id)
            fired.setdefault((name, s.step.code), day.date)
        day = next_day(carol)
    assert date(2026, 11, 26) not in {d for d in fired.values()}  # the holiday is skipped
    assert fired == {
        ("steady", "t-remind"): date(2026, 11, 27),  # 3rd business day: Tue, Wed, (Thu) Fri
        ("small", "t-remind"): date(2026, 11, 27),
        ("medical", "t-remind"): date(2026, 11, 27),
        ("payer", "t-remind"): date(2026, 11, 27),
        ("steady", "t-shutoff"): date(2026, 11, 30),  # 7 calendar days: Mon Nov 30
        ("medical", "t-shutoff"): date(2026, 11, 30),
        ("payer", "t-shutoff"): date(2026, 11, 30),
        ("steady", "t-disc"): date(2026, 12, 10),  # 12th business day after Nov 23
    }
    steady = accounts["steady"]
    steady.refresh_from_db()
    assert steady.balance.amount == D("110.00")  # the shut-off notice's fee, once
    assert Letter.objects.filter(account=steady).count() == 2
    run = steps[2].runs.filter(status="posted").get()
    excluded = {ln.account_id: ln.reason for ln in run.lines.filter(included=False)}
    assert excluded[accounts["medical"].pk] == "Medical need on file until Mar 1, 2027"
    assert accounts["payer"].pk not in excluded  # paid in full: out of the timeline
    assert excluded[accounts["small"].pk] == "Has not had the shut-off notice for this bill"
    city_lines = AccountStep.objects.filter(account=accounts["city"])
    assert not city_lines.exists()


def test_it_drops_an_account_that_paid_the_morning_of_the_disconnect_list(
    business_day, bob, carol, steps
):
    late, payer = make_account(bob), make_account(bob)
    for account in (late, payer):
        bill(bob, account, bill_date=BILLED, due_date=date(2026, 11, 2), WATER="80.00")
    disconnect = steps[2]
    disconnect.needs_previous = False
    disconnect.save()
    run = notices.notice_run_start(step=disconnect, acting_user=carol)
    assert set(run.lines.filter(included=True).values_list("account_id", flat=True)) == {
        late.pk,
        payer.pk,
    }
    pay(bob, payer, "80.00")  # this morning, after the proof list
    task = notices.notice_run_send(run=run, acting_user=carol)
    run_long_task(task=task)
    listed = notices.disconnect_list(run)
    assert [ln.account_id for ln in listed] == [late.pk]
    dropped = run.lines.get(account=payer)
    assert dropped.reason.startswith("Paid since the proof list")
    assert not AccountStep.objects.filter(account=payer).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # render workers read it
def test_it_sends_the_owner_a_courtesy_copy(business_day, bob, carol, steps):
    tenant = make_account(bob)
    account_services.premise_owner_set(
        premise=tenant.premise, owner_name="Lee Landlord", owner_line1="9 Harbor Rd",
        owner_city="Tallahassee", owner_state="FL", owner_zip="32308", acting_user=bob,
    )  # fmt: skip
    bill(bob, tenant, bill_date=BILLED, due_date=date(2026, 11, 16), WATER="60.00")
    run = sent(carol, steps[0])
    letters = list(Letter.objects.filter(notice_line__run=run).order_by("owner_copy"))
    assert [(lt.recipient, lt.owner_copy) for lt in letters] == [
        (tenant.customer.display_name, False),
        ("Lee Landlord", True),
    ]
    docs = letter_services.letter_documents(letters=letters, acting_user=carol)
    owner_text = PdfReader(BytesIO(document_bytes(docs[1]))).pages[0].extract_text()
    assert "Courtesy copy to the property owner" in owner_text
    assert "9 Harbor Rd" in owner_text and "$60.00" in owner_text


def test_it_refuses_a_clerk_the_notice_run(business_day, alice, steps):
    with pytest.raises(PermissionDenied):
        notices.notice_run_start(step=steps[0], acting_user=alice)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_reads_back_every_letter_type(business_day, bob):
    account = make_account(bob)
    for template in LetterTemplate.objects.all():
        letter = letter_services.letter_send(
            account=account, template=template, text="Call us at the counter.", acting_user=bob
        )
        document = letter_services.letter_document(letter=letter, acting_user=bob)
        text = PdfReader(BytesIO(document_bytes(document))).pages[0].extract_text()
        assert template.subject.split(":")[0][:20] in text, template.code
        assert account.number in text
    assert Letter.objects.filter(account=account).count() == LetterTemplate.objects.count()
