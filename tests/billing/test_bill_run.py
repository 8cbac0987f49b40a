"""Bill runs, Calculate -> Review -> Post: draft bills from reads and rates, errors
recorded while the run goes on, the proof register, recalculation after a fixed
read, and posting through the ledger with gap-free bill numbers."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from billing.bills import register, runs
from billing.models import (
    Bill,
    BillLine,
    MeterRead,
    RateSchedule,
    RateVersion,
    Route,
    ServiceAgreement,
)
from billing.services.agreements import route_stop_set
from billing.services.reads import meter_read_correct
from ledger.models import JournalEntry, JournalTransaction
from tests.factories import make_account

from .bill_helpers import END, accounts, billed_account, calculated, posted, read
from .helpers import a_route, agreement, metered_account, water_schedule

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def verify() -> str:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    return out.getvalue()


def test_it_calculates_a_draft_bill_per_account_with_a_line_per_component(bob, business_day):
    (account,) = accounts(bob, 1)
    run = calculated(bob)
    assert run.status == "review"
    bill = run.bills.get()
    assert bill.status == "draft" and bill.account == account
    assert [(x.code, x.amount.amount) for x in bill.lines.all()] == [
        ("base", D("12.50")),
        ("use", D("37.20")),  # 12 kgal x $3.10
    ]
    assert bill.new_charges.amount == D("49.70")
    assert bill.amount_due.amount == D("49.70")
    assert bill.due_date >= date(2026, 11, 24)
    assert not JournalTransaction.objects.exists()  # nothing posts at calculation


def test_it_records_an_account_it_cannot_bill_and_goes_on(bob, business_day):
    accounts(bob, 2)
    unread = make_account(bob)  # on the cycle with water, but no meter and no reads at all
    agreement(bob, unread, RateSchedule.objects.get(code="W-TEST"))
    route_stop_set(account=unread, route_id=Route.objects.get().pk, sequence=99, acting_user=bob)
    run = calculated(bob)
    assert run.status == "review"
    assert run.bills.filter(status="draft").count() == 2
    error = run.bills.get(account=unread)
    assert error.status == "error"
    assert "no metered use" in error.error
    assert runs.bill_run_long_task(run, runs.CALCULATE_TASK).errors == 1
    assert [b.account for b in register.proof_register(run).errors] == [unread]


def test_it_estimates_a_missing_read_from_average_daily_use(bob, business_day):
    account = make_account(bob)
    meter = metered_account(bob, account, number="M-EST", reading="2000", on=date(2026, 8, 31))
    agreement(bob, account, water_schedule())
    route_stop_set(account=account, route_id=a_route(bob, account).pk, sequence=5, acting_user=bob)
    read(bob, meter, date(2026, 9, 30), "5000")  # 100 gallons a day; no read on 2026-10-31
    run = calculated(bob)
    bill = run.bills.get()
    assert bill.status == "draft" and bill.estimated
    use = bill.lines.get(code="use")
    assert use.estimated and use.usage == D("3100.00")  # 100 a day x 31 days
    assert bill.new_charges.amount == D("12.50") + D("9.61")  # 3.1 kgal x $3.10
    assert register.proof_register(run).exceptions["estimated"] == [bill]
    assert not MeterRead.objects.filter(kind="estimated").exists()  # nothing stored


def test_it_shows_the_proof_register_with_totals_and_exceptions(bob, business_day, settings):
    settings.BILLING_RUN_HIGH_PERCENT = 150
    accounts(bob, 2)  # 12,000 and 13,000 gallons
    run = calculated(bob)
    proof = register.proof_register(run)
    assert proof.bills == 2
    assert proof.total == D("49.70") + D("52.80")
    assert [(t.label, t.count, t.amount) for t in proof.by_service] == [
        ("WATER Water", 2, D("102.50"))
    ]
    assert proof.by_revenue_gl[0].amount == D("102.50")
    assert "fund" in proof.by_revenue_gl[0].label
    assert proof.by_account_class[0].count == 2
    assert proof.errors == []
    assert proof.exceptions["zero"] == [] and proof.exceptions["estimated"] == []


def test_it_recalculates_one_account_after_its_read_is_fixed(bob, business_day):
    (account,) = accounts(bob, 1)
    run = calculated(bob)
    bill = run.bills.get()

    wrong = MeterRead.objects.get(premise_id=account.premise_id, read_date=END)
    meter_read_correct(read=wrong, reading=D("15000"), reason="misread", acting_user=bob)
    again = runs.bill_recalculate(bill=bill, acting_user=bob)
    assert again.new_charges.amount == D("12.50") + D("31.00")  # 10 kgal


def test_it_posts_the_run_through_the_ledger_with_gap_free_numbers(bob, business_day):
    made = accounts(bob, 3)
    run = posted(bob, calculated(bob))
    assert run.status == "posted"
    bills = list(run.bills.order_by("number"))
    numbers = [b.number for b in bills]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    for bill in bills:
        assert bill.status == "posted"
        assert bill.transaction.business_date == business_day.date
        bill.account.refresh_from_db()
        assert bill.amount_due == bill.account.balance == bill.new_charges
        for line in bill.lines.all():
            assert line.journal_entry.transaction_id == bill.transaction_id
            assert line.journal_entry.service_id == line.service_id
    assert sum(
        a.balance.amount for a in type(made[0]).objects.filter(pk__in=[a.pk for a in made])
    ) == (D("49.70") + D("52.80") + D("55.90"))
    assert "0 discrepancies" in verify()


def test_it_refuses_to_post_a_posted_run_twice(bob, business_day):
    accounts(bob, 1)
    run = posted(bob, calculated(bob))
    with pytest.raises(ValidationError, match="already posted"):
        runs.bill_run_post(run=run, confirmed_total=D("49.70"), acting_user=bob)
    assert JournalTransaction.objects.filter(kind="charge").count() == 1


def test_it_refuses_a_clerk_posting(alice, bob, business_day):
    accounts(bob, 1)
    run = calculated(bob)
    with pytest.raises(PermissionDenied):
        runs.bill_run_post(run=run, confirmed_total=D("49.70"), acting_user=alice)
    with pytest.raises(PermissionDenied):
        runs.bill_run_start(
            cycle=run.cycle, period_start=run.period_start, period_end=run.period_end,
            bill_date=run.bill_date, acting_user=alice,
        )  # fmt: skip


def test_it_lets_a_supervisor_post(bob, carol, business_day):
    accounts(bob, 1)
    run = posted(carol, calculated(bob))
    assert run.status == "posted" and run.post_started_by == carol


def test_it_refuses_a_total_that_was_not_confirmed(bob, business_day):
    accounts(bob, 1)
    run = calculated(bob)
    with pytest.raises(ValidationError, match=r"49\.70"):
        runs.bill_run_post(run=run, confirmed_total=D("40.00"), acting_user=bob)


def test_it_refuses_unresolved_errors_unless_they_are_excluded(bob, business_day):
    accounts(bob, 1)
    broken = make_account(bob)
    billed_account(bob, broken, 7)
    # the broken account gets a schedule whose rates start after the period: a rate gap
    late = water_schedule("W-LATE")
    RateVersion.objects.filter(schedule=late).update(effective_from=date(2027, 1, 1))
    ServiceAgreement.objects.filter(account=broken).update(rate_schedule=late)
    run = calculated(bob)
    assert run.bills.get(account=broken).status == "error"
    with pytest.raises(ValidationError, match="could not be billed"):
        runs.bill_run_post(run=run, confirmed_total=D("49.70"), acting_user=bob)
    run = posted(bob, run, exclude_errors=True)
    assert run.status == "posted"
    assert run.bills.get(account=broken).status == "excluded"
    assert RateSchedule.objects.count() == 2


def test_it_refuses_a_run_while_an_older_run_of_the_cycle_is_unposted(bob, business_day):
    accounts(bob, 1)
    older = calculated(bob)
    newer = calculated(bob)
    with pytest.raises(ValidationError, match=f"Bill run {older.pk}"):
        runs.bill_run_post(run=newer, confirmed_total=D("49.70"), acting_user=bob)


def test_it_finishes_a_killed_post_with_each_bill_once(bob, business_day, monkeypatch, settings):
    from billing_site.common.models import LongTask
    from billing_site.common.tasks import run_long_task

    settings.BILLING_RUN_WORKERS = 1  # one worker, killed; nobody helps until the resume
    made = accounts(bob, 3)
    monkeypatch.setattr(runs, "CHUNK", 1)
    run = calculated(bob)

    class Killed(BaseException):
        """kill -9 in the middle of a chunk: no clean-up runs."""

    real = runs.post_charges_bulk
    calls = {"n": 0}

    def dies_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(runs, "post_charges_bulk", dies_on_second)
    # the immediate task backend (tests) swallows the worker's death, as a dead worker would
    runs.bill_run_post(run=run, confirmed_total=runs.run_total(run), acting_user=bob)
    assert Bill.objects.filter(status="posted").count() == 1
    task = runs.bill_run_long_task(run, runs.POST_TASK)
    assert task.status == "running" and task.done == 1  # left holding a lease, mid-run
    LongTask.objects.filter(pk=task.pk).update(lease_expires_at="2000-01-01T00:00:00Z")
    task = run_long_task(task=LongTask.objects.get(pk=task.pk))
    assert task.status == "done"
    run.refresh_from_db()
    assert run.status == "posted"
    assert JournalTransaction.objects.filter(kind="charge").count() == 3
    for account in made:
        assert Bill.objects.get(account=account).status == "posted"
        assert JournalEntry.objects.filter(account=account, amount__gt=0).count() == 1
    numbers = sorted(Bill.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_it_lets_a_second_worker_finish_the_chunks_of_a_killed_one(
    bob, business_day, monkeypatch, settings
):
    from billing_site.common.models import LongTask
    from billing_site.common.tasks import run_long_task

    settings.BILLING_RUN_WORKERS = 2
    made = accounts(bob, 3)
    monkeypatch.setattr(runs, "CHUNK", 1)
    run = calculated(bob)

    class Killed(BaseException):
        """kill -9 of the worker holding the lease, in the middle of its second chunk."""

    real = runs.post_charges_bulk
    calls = {"n": 0}

    def dies_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(runs, "post_charges_bulk", dies_on_second)
    runs.bill_run_post(run=run, confirmed_total=runs.run_total(run), acting_user=bob)
    task = runs.bill_run_long_task(run, runs.POST_TASK)
    # the helper did the chunks the dead worker had not; finishing is the lease holder's
    assert task.status == "running" and task.done == 3
    assert Bill.objects.filter(status="posted").count() == 3
    LongTask.objects.filter(pk=task.pk).update(lease_expires_at="2000-01-01T00:00:00Z")
    task = run_long_task(task=LongTask.objects.get(pk=task.pk))
    assert task.status == "done" and task.done == 3
    run.refresh_from_db()
    assert run.status == "posted"
    for account in made:
        assert JournalEntry.objects.filter(account=account, amount__gt=0).count() == 1
    numbers = sorted(Bill.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_it_refuses_to_change_a_posted_bill_in_postgresql(bob, business_day):
    accounts(bob, 1)
    run = posted(bob, calculated(bob))
    bill = run.bills.get()
    line = bill.lines.first()
    for statement in (
        f"UPDATE billing_bill SET amount_due = 1 WHERE id = {bill.pk}",
        f"UPDATE billing_billline SET amount = 1 WHERE id = {line.pk}",
        f"DELETE FROM billing_billline WHERE id = {line.pk}",
        f"UPDATE billing_bill SET status = 'draft' WHERE id = {bill.pk}",
    ):
        with (
            pytest.raises(IntegrityError, match="posted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert BillLine.objects.get(pk=line.pk).amount == line.amount


def test_it_refuses_a_second_run_for_a_period_already_billed(bob, business_day):
    accounts(bob, 1)
    first = posted(bob, calculated(bob))
    again = calculated(bob)
    with pytest.raises(ValidationError, match=f"Bill run {first.pk} already billed"):
        runs.bill_run_post(run=again, confirmed_total=D("49.70"), acting_user=bob)
    assert JournalTransaction.objects.filter(kind="charge").count() == 1


def test_it_marks_a_first_bill_when_service_starts_in_the_period(bob, business_day):
    from billing.services.agreements import service_agreement_create

    account = make_account(bob)
    meter = metered_account(bob, account, number="M-NEW")
    service_agreement_create(
        account=account, rate_schedule=water_schedule(), start_date=date(2026, 10, 16),
        acting_user=bob,
    )  # fmt: skip
    route_stop_set(account=account, route_id=a_route(bob, account).pk, sequence=7, acting_user=bob)
    read(bob, meter, date(2026, 10, 16), "5000")
    read(bob, meter, END, "11000")
    run = calculated(bob)
    bill = run.bills.get()
    assert bill.first_bill and not bill.final_bill
    assert bill.lines.get(code="use").usage == D("6000")
    assert register.proof_register(run).exceptions["first"] == [bill]


def test_it_prices_a_chunk_in_the_same_few_queries_however_many_accounts(
    bob, business_day, django_assert_max_num_queries
):
    from django.test.utils import CaptureQueriesContext

    made = accounts(bob, 6)
    run = calculated(bob)
    with transaction.atomic(), CaptureQueriesContext(connection) as one:
        runs._calculate(run, [made[0].pk])
    assert len(one) <= 20
    with transaction.atomic(), django_assert_max_num_queries(len(one)):
        errors = runs._calculate(run, [a.pk for a in made])
    assert errors == []
    assert Bill.objects.filter(run=run, status="draft").count() == 6
    assert BillLine.objects.filter(bill__run=run).count() == 6 * 2
