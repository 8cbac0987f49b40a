"""seed_demo: one demo user per role, a year of ledger history, and nothing twice."""

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
from front import demo
from front.management.commands import seed_demo
from ledger.choices import TransactionKind
from ledger.models import JournalEntry, JournalTransaction

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


def test_it_seeds_users_accounts_and_a_year_of_history_once() -> None:
    first = seed(batch_size=10, workers=2)  # three batches, history posted by two processes
    after_first = counts()
    second = seed()

    assert "Seeded 30 accounts" in first
    assert "already loaded (30 accounts); nothing added" in second
    assert counts() == after_first
    assert after_first["accounts"] == 30
    for spec in seed_demo.DEMO_USERS:
        assert spec.password in second  # the table is printed again
        request = RequestFactory().post("/login/")
        user = authenticate(request, username=spec.username, password=spec.password)
        assert user is not None, spec.username
        assert list(user.groups.values_list("name", flat=True)) == [spec.role]
        assert user.is_staff == (spec.username == "admin")
        assert not user.is_superuser
    assert_ledger_proves()


def test_it_leaves_credits_arrears_and_closed_accounts_as_a_counter_sees_them() -> None:
    seed()
    months = demo.service_months(timezone.localdate())
    recent = [f"{month:%B %Y}" for month in months[-2:]]

    assert Account.objects.filter(balance__lt=0).exists()  # overpaid: credit on file
    overdue = [
        account
        for account in Account.objects.filter(balance__gt=0, status=AccountStatus.ACTIVE)
        if not JournalTransaction.objects.filter(
            entries__account=account,
            kind=TransactionKind.PAYMENT,
            memo__regex="|".join(recent),
        ).exists()
    ]
    assert overdue, "some accounts stopped paying months ago"
    closed = Account.objects.filter(status=AccountStatus.CLOSED)
    assert closed.exists()
    assert all(account.balance.amount == 0 for account in closed)
    assert Account.objects.filter(status=AccountStatus.FINAL).exists()
    master = Account.objects.annotate(subs=Count("sub_accounts")).get(is_master=True)
    assert 3 <= master.subs <= 8
    classes = set(Account.objects.values_list("account_class", flat=True))
    assert {AccountClass.RESIDENTIAL, AccountClass.COMMERCIAL} <= classes


def test_it_resumes_an_interrupted_run_without_duplicates(monkeypatch: pytest.MonkeyPatch) -> None:
    real_post_batch = seed_demo.Seeder.post_batch

    def crash_on_second_batch(self: seed_demo.Seeder, batch: range, ids: list[int]) -> int:
        if batch.start == 10:
            raise RuntimeError("power cut")
        return real_post_batch(self, batch, ids)

    monkeypatch.setattr(seed_demo.Seeder, "post_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        seed(batch_size=10, workers=0)
    assert Account.objects.count() == 20  # two batches opened, the second without history
    monkeypatch.setattr(seed_demo.Seeder, "post_batch", real_post_batch)

    out = seed(batch_size=10, workers=0)

    assert "Resuming: 20 demo accounts were already opened." in out
    assert Account.objects.count() == 30
    assert Customer.objects.count() == len({id(p.customer) for p in plan().accounts})
    assert_ledger_proves()
    assert "already loaded" in seed(batch_size=10, workers=0)


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
