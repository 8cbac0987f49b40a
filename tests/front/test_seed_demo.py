"""seed_demo: one demo user per role, a year that really happened (bill runs, payments,
closed business days), and nothing twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, Sum
from django.test import RequestFactory
from django.utils import timezone

from accounts.choices import AccountClass, AccountStatus
from accounts.models import Account, AccountFlag, AccountNote, Customer, Premise
from billing.choices import BillRunStatus, BillStatus
from billing.models import Bill, BillRun, BudgetPlan, MeterRead
from front import demo, demo_year
from front.management.commands import seed_demo
from ledger.choices import TransactionKind
from ledger.models import BusinessDay, JournalEntry, JournalTransaction
from ledger.selectors import aging_many
from payments.models import Payment, RemittanceBatch, RemittanceItem, ReturnedPayment
from service_orders.models import ServiceOrder

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", accounts=30, seed=7, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "customers": Customer.objects.count(),
        "premises": Premise.objects.count(),
        "accounts": Account.objects.count(),
        "transactions": JournalTransaction.objects.count(),
        "notes": AccountNote.objects.count(),
        "flags": AccountFlag.objects.count(),
    }


def assert_ledger_proves() -> None:
    call_command("verify_ledger", stdout=StringIO())  # exits non-zero on any discrepancy
    sums = dict(
        JournalEntry.objects.filter(account__isnull=False)
        .values_list("account_id")
        .annotate(total=Sum("amount"))
    )
    for account in Account.objects.all():
        assert account.balance.amount == sums.get(account.pk, Decimal("0.00")), account.number


def year_counts() -> dict[str, int]:
    return {
        **counts(),
        "bills": Bill.objects.count(),
        "runs": BillRun.objects.count(),
        "days": BusinessDay.objects.count(),
        "reads": MeterRead.objects.count(),
        "payments": Payment.objects.count(),
        "batch items": RemittanceItem.objects.count(),
        "service orders": ServiceOrder.objects.count(),
    }


def test_it_lives_a_year_of_bill_runs_payments_and_closed_days_once() -> None:
    first = seed(batch_size=10)  # three batches of accounts
    after_first = year_counts()
    second = seed()

    assert "Seeded 30 accounts" in first
    assert "already loaded (30 accounts); nothing added" in second
    assert year_counts() == after_first
    for spec in seed_demo.DEMO_USERS:
        assert spec.password in second  # the table is printed again
        request = RequestFactory().post("/login/")
        user = authenticate(request, username=spec.username, password=spec.password)
        assert user is not None, spec.username
        assert list(user.groups.values_list("name", flat=True)) == [spec.role]
    assert_ledger_proves()
    # the demo technician's day: assigned, one in progress, some done; more on the board
    tech = User.objects.get(username="fieldtech")
    statuses = set(ServiceOrder.objects.filter(technician=tech).values_list("status", flat=True))
    assert {"assigned", "in_progress", "completed"} <= statuses
    assert ServiceOrder.objects.filter(technician__isnull=True, status="open").exists()

    today = timezone.localdate()
    months = demo.service_months(today)
    # every service month has its posted bill runs, one per cycle while bill dates passed
    billed_months = {
        (b.period_end.year, b.period_end.month)
        for b in Bill.objects.filter(status=BillStatus.POSTED)
    }
    assert {(m.year, m.month) for m in months} <= billed_months
    assert not BillRun.objects.exclude(status=BillRunStatus.POSTED).exists()
    # each posting sits in the business day it happened: many days, all closed but today's
    days = set(JournalTransaction.objects.values_list("business_date", flat=True))
    payment_days = set(
        JournalTransaction.objects.filter(kind=TransactionKind.PAYMENT).values_list(
            "business_date", flat=True
        )
    )
    assert len(payment_days) > 60
    open_day = BusinessDay.objects.get(status="open")
    assert days <= set(BusinessDay.objects.values_list("date", flat=True))
    assert not BusinessDay.objects.filter(status="open").exclude(pk=open_day.pk).exists()
    for bill in Bill.objects.filter(status=BillStatus.POSTED).select_related("transaction")[:50]:
        assert bill.transaction is None or bill.transaction.business_date >= bill.period_end
    # payments came every way: counter drawers, mail batches, lockbox files
    assert Payment.objects.exists()
    assert RemittanceBatch.objects.filter(kind="mail", status="posted").exists()
    assert RemittanceBatch.objects.filter(kind="lockbox").exists()
    assert ReturnedPayment.objects.exists()  # a few checks bounced
    # estimated bills rebilled once the actual read came, final bills for movers
    assert Bill.objects.filter(status=BillStatus.CANCELLED, estimated=True).exists()
    assert Bill.objects.filter(rebill_of__isnull=False, estimated=False).exists()
    assert Bill.objects.filter(status=BillStatus.POSTED, final_bill=True).exists()
    # a few steady payers on budget billing, living through their true-up
    plans = BudgetPlan.objects.filter(status="active")
    assert 1 <= plans.count() <= 8
    level = Bill.objects.filter(account__in=plans.values("account"), budget_amount__isnull=False)
    assert level.count() >= 5 * plans.count()  # every bill since enrolment shows the amount
    assert level.exclude(budget_carried=0).exists()  # the difference was carried
    assert BudgetPlan.history.filter(history_change_reason__startswith="True-up").exists()
    # the aging has real amounts past 30, 60 and 90 days
    ids = list(Account.objects.values_list("pk", flat=True))
    totals = {label: Decimal(0) for label in ("current", "31-60", "61-90", "over 90")}
    for buckets in aging_many(ids, as_of=open_day.date).values():
        for label, amount in buckets.items():
            totals[label] += amount
    assert all(amount > 0 for amount in totals.values()), totals
    # a counter sees credits, arrears, closed and final accounts
    assert Account.objects.filter(balance__lt=0).exists()
    assert Account.objects.filter(status=AccountStatus.FINAL).exists()
    closed = Account.objects.filter(status=AccountStatus.CLOSED)
    assert all(account.balance.amount == 0 for account in closed)
    master = Account.objects.annotate(subs=Count("sub_accounts")).get(is_master=True)
    assert 3 <= master.subs <= 8
    classes = set(Account.objects.values_list("account_class", flat=True))
    assert {AccountClass.RESIDENTIAL, AccountClass.COMMERCIAL} <= classes


def test_it_resumes_an_interrupted_year_without_duplicates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_close = demo_year.DemoYear.close
    calls = {"n": 0}

    def power_cut_on_day_90(self: demo_year.DemoYear, day: BusinessDay) -> BusinessDay:
        calls["n"] += 1
        if calls["n"] == 90:
            raise RuntimeError("power cut")
        return real_close(self, day)

    monkeypatch.setattr(demo_year.DemoYear, "close", power_cut_on_day_90)
    with pytest.raises(RuntimeError, match="power cut"):
        call_command("seed_demo", accounts=12, seed=7, stdout=StringIO())
    monkeypatch.setattr(demo_year.DemoYear, "close", real_close)
    stopped_on = BusinessDay.objects.get(status="open").date

    out = StringIO()
    call_command("seed_demo", accounts=12, seed=7, stdout=out)

    assert "Resuming: 12 demo accounts were already opened." in out.getvalue()
    assert Account.objects.count() == 12
    assert BusinessDay.objects.get(status="open").date > stopped_on
    runs = BillRun.objects.values_list("cycle_id", "period_start")
    assert len(runs) == len(set(runs))  # each cycle's month billed once
    assert Bill.objects.filter(
        transaction__business_date__gt=stopped_on, status=BillStatus.POSTED
    ).exists()
    assert_ledger_proves()
    again = year_counts()
    assert "already loaded" in seed_small()
    assert year_counts() == again


def seed_small() -> str:
    out = StringIO()
    call_command("seed_demo", accounts=12, seed=7, stdout=out)
    return out.getvalue()


def plan() -> demo.DemoPlan:
    return demo.build_plan(accounts=30, seed=7, today=timezone.localdate())


def test_it_plans_exactly_the_accounts_asked_for_and_the_same_for_the_same_seed() -> None:
    for count in (1, 2, 5, 30, 301):
        assert len(demo.build_plan(accounts=count, seed=3, today=date(2026, 3, 1)).accounts) == (
            count
        )
    again = [(p.account_class, p.bills, p.habit) for p in plan().accounts]
    assert again == [(p.account_class, p.bills, p.habit) for p in plan().accounts]
    other = demo.build_plan(accounts=30, seed=8, today=timezone.localdate())
    assert again != [(p.account_class, p.bills, p.habit) for p in other.accounts]


def test_the_demo_holidays_are_the_federal_ones_as_observed() -> None:
    from datetime import date

    from front.demo import federal_holidays

    days = dict((name, day) for day, name in federal_holidays(2026))
    assert days["Independence Day"] == date(2026, 7, 3)  # Saturday the 4th: observed Friday
    assert days["Thanksgiving Day"] == date(2026, 11, 26)  # fourth Thursday
    assert days["Memorial Day"] == date(2026, 5, 25)  # last Monday of May
    assert days["Martin Luther King Jr. Day"] == date(2026, 1, 19)  # third Monday
    later = dict((name, day) for day, name in federal_holidays(2027))
    assert later["Christmas Day"] == date(2027, 12, 24)  # Saturday: observed Friday
    assert later["Independence Day"] == date(2027, 7, 5)  # Sunday: observed Monday
