"""``manage.py seed_demo``: demo users, customers, accounts and a year that really happened.

The plan (names, addresses, move-ins and move-outs, payment habits) comes from
``front.demo`` and is deterministic for a given ``--seed`` and ``--accounts``. The
command opens the accounts batch by batch (bulk, with their history rows: see
``Seeder.open_batch``), gives them service (``billing.demo.seed_billing``: rates,
cycles and routes, agreements from each account's move-in to its move-out, meters),
then lives the year day by day through the services (``front.demo_year``: reads,
bill runs, payments at the counter, by mail and lockbox, returned checks, estimated
bills rebilled, final bills, every business day closed by a closeout), and last adds
the plan's notes and flags. Nothing writes ledger rows or balances directly.

Safe to run again: demo accounts are recognised (opened by the demo coordinator)
and matched to the plan, closed days are never lived twice, and an interrupted run
resumes where it stopped; demo data from other options is left alone. Nothing is
ever duplicated. The default (200 accounts: 2,276 bills, about 2,000 payments over
267 business days) took 11 minutes of wall time on the project's shared 2-core
machine under a load average of 8, of which this command's own CPU was 65 s: most of
it is waiting for PostgreSQL, so a quiet machine does it in a few minutes. With 40
accounts it took 420 s there (35 s of its CPU; 444 s before ``fast_commits``): the cost
is mostly per business day (267 of them), not per account.

This command lives on the top floor (``front``): it drives accounts, billing,
payments and the ledger together, which no lower app may do.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import services as account_services
from accounts.choices import AccountStatus
from accounts.models import Account, AccountFlag, AccountNote, Customer, Premise
from accounts.services import ACCOUNT_NUMBER_START, search_document_for
from billing import demo as billing_demo
from billing_site.common import roles
from billing_site.common.numbering import next_number, with_check_digit
from front import demo, demo_orders, demo_year
from ledger.models import BusinessDay, JournalTransaction
from ledger.selectors import open_business_day
from work_queues import services as work_services


@dataclass(frozen=True)
class DemoUser:
    role: str
    username: str
    first_name: str
    last_name: str

    @property
    def password(self) -> str:
        return f"demo-{self.username}-2026"


DEMO_USERS = (
    DemoUser(roles.CLERK, "clerk", "Maria", "Alvarez"),
    DemoUser(roles.COORDINATOR, "coordinator", "Devon", "Brooks"),
    DemoUser(roles.SUPERVISOR, "supervisor", "Linda", "Okafor"),
    DemoUser(roles.FIELD_TECHNICIAN, "fieldtech", "Tom", "Hale"),
    DemoUser(roles.AUDITOR, "auditor", "Priya", "Raman"),
    DemoUser(roles.ADMINISTRATOR, "admin", "Sam", "Whitfield"),
)


class Command(BaseCommand):
    help = "Load demo users (one per role) and demo accounts with a year of bills and payments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=200, help="how many accounts")
        parser.add_argument("--seed", type=int, default=2026, help="same seed, same data")
        parser.add_argument(
            "--batch-size", type=int, default=200, help="accounts opened per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, seed, batch_size = options["accounts"], options["seed"], options["batch_size"]
        if min(count, batch_size) < 1:
            raise CommandError("--accounts and --batch-size must be at least 1.")
        started = time.monotonic()
        fast_commits()
        today = timezone.localdate()
        users, notes = ensure_users()
        ensure_holidays(today.year - 1)
        plan = demo.build_plan(accounts=count, seed=seed, today=today)
        seeder = Seeder(plan=plan, users=users, seed=seed)
        existing = seeder.adopt_existing()
        if existing is None:
            total = Account.objects.filter(opened_by=users["coordinator"]).count()
            self.stdout.write(f"Demo data is already loaded ({total:,} accounts); nothing added.")
            self.print_users(notes)
            return
        batches = [range(i, min(i + batch_size, count)) for i in range(0, count, batch_size)]
        todo = [b for b in batches if not seeder.batch_opened(b)]
        if not todo and seeder.year_done():
            total = Account.objects.filter(opened_by=users["coordinator"]).count()
            self.stdout.write(f"Demo data is already loaded ({total:,} accounts); nothing added.")
            self.print_users(notes)
            return
        if existing:
            self.stdout.write(f"Resuming: {existing:,} demo accounts were already opened.")
        self.seed(seeder, todo)
        self.print_summary(time.monotonic() - started)
        self.print_users(notes)

    def seed(self, seeder: Seeder, todo: list[range]) -> None:
        started = time.monotonic()
        count = len(seeder.plan.accounts)
        self.stdout.write(f"Seeding {count:,} demo accounts (seed {seeder.seed}) ...")

        def progress(what: str) -> None:
            self.stdout.write(f"  {what:<40} {time.monotonic() - started:7.1f} s")

        for batch in todo:
            seeder.open_batch(batch)
            progress(f"accounts opened {batch.stop:>6,}/{count:,}")
        billing_demo.seed_billing(
            admin=seeder.users["admin"], coordinator=seeder.coordinator,
            service_dates=seeder.service_dates(),
        )  # fmt: skip
        year = demo_year.DemoYear(
            plans=seeder.plans_by_id(), users=seeder.users, seed=seeder.seed,
            today=seeder.today, progress=progress,
        )  # fmt: skip
        year.run()
        with transaction.atomic():
            for plan in seeder.plan.accounts:
                if plan.key in seeder.accounts:
                    seeder.finish(plan, Account.objects.get(pk=seeder.accounts[plan.key].pk))
        progress("notes and flags added")
        opened = demo_work_items(seeder.users, seeder.today)
        progress(f"work items opened {opened:>6,}")
        orders = demo_orders.seed_service_orders(
            coordinator=seeder.coordinator, technician=seeder.users["fieldtech"]
        )
        progress(f"service orders {orders:>3}")
        stats = ", ".join(f"{what} {n:,}" for what, n in sorted(year.stats.items()))
        self.stdout.write(f"  the year: {stats}")

    def print_summary(self, seconds: float) -> None:
        accounts = Account.objects.aggregate(
            total=Count("id"),
            owing=Count("id", filter=Q(balance__gt=0)),
            owed=Sum("balance", filter=Q(balance__gt=0)),
            credit=Count("id", filter=Q(balance__lt=0)),
            credits=Sum("balance", filter=Q(balance__lt=0)),
        )
        by_class = Account.objects.values_list("account_class").annotate(n=Count("id"))
        by_status = Account.objects.values_list("status").annotate(n=Count("id"))
        self.stdout.write(
            self.style.SUCCESS(f"Seeded {accounts['total']:,} accounts in {seconds:.1f} s.")
        )
        self.stdout.write("  by class:  " + ", ".join(f"{c} {n:,}" for c, n in sorted(by_class)))
        self.stdout.write("  by status: " + ", ".join(f"{s} {n:,}" for s, n in sorted(by_status)))
        days = BusinessDay.objects.aggregate(first=Min("date"), last=Max("date"), n=Count("id"))
        self.stdout.write(
            f"  {JournalTransaction.objects.count():,} ledger transactions over {days['n']:,} "
            f"business days, {days['first']} to {days['last']} (open)"
        )
        self.stdout.write(
            f"  {accounts['owing']:,} accounts owe ${accounts['owed'] or 0:,.2f}; "
            f"{accounts['credit']:,} hold credits of ${-(accounts['credits'] or 0):,.2f}"
        )

    def print_users(self, notes: dict[str, str]) -> None:
        self.stdout.write("\nDemo users (log in at /login/):")
        header = f"  {'Role':<18} {'Username':<12} {'Name':<18} Password"
        self.stdout.write(header)
        self.stdout.write("  " + "-" * (len(header) - 2))
        for spec in DEMO_USERS:
            name = f"{spec.first_name} {spec.last_name}"
            self.stdout.write(
                f"  {spec.role:<18} {spec.username:<12} {name:<18} {notes[spec.username]}"
            )


def demo_work_items(users: dict[str, User], today: Any) -> int:
    """The office's to-do list from the year's real causes (exceptions, approvals waiting,
    overdue orders), and two follow-ups people typed."""
    result = work_services.work_items_sync(acting_user=users["coordinator"])
    owing = list(Account.objects.filter(balance__gt=0).order_by("pk")[:2])
    texts = [
        (users["clerk"], "Call back Tuesday about the leak adjustment"),
        (users["coordinator"], "Check the new owner's deposit letter went out"),
    ]
    for account, (user, why) in zip(owing, texts, strict=False):
        work_services.followup_add(
            account=account, why=why, due_on=today + timedelta(days=2), acting_user=user
        )
    return result.opened + len(owing)


def fast_commits() -> None:
    """Commit without waiting for the WAL to reach the disk, for this session only.

    The demo year commits some 20,000 small transactions (every chunk of every task,
    every day's closeout, drawer and batch); with ``synchronous_commit`` on, each waits
    for an fsync, which on a shared or slow disk is most of the run's wall time.
    ``off`` cannot corrupt or half-apply anything (PostgreSQL still writes the WAL in
    order); a crash can lose the last fraction of a second of commits, which the
    seeder redoes when run again (it resumes where the database says it stopped).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")


def ensure_users() -> tuple[dict[str, User], dict[str, str]]:
    """One user per role with a known password; existing users are left as they are."""
    users: dict[str, User] = {}
    notes: dict[str, str] = {}
    for spec in DEMO_USERS:
        try:
            group = Group.objects.get(name=spec.role)
        except Group.DoesNotExist:
            raise CommandError(f"Role {spec.role!r} is missing; run `manage.py migrate`.") from None
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@utility.example.org",
                "is_staff": spec.role == roles.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(spec.password)  # hashed by the first PASSWORD_HASHER (Argon2)
            user.save()
            user.groups.add(group)
        known = created or user.check_password(spec.password)
        notes[spec.username] = spec.password if known else "(changed since it was seeded)"
        users[spec.username] = User.objects.get(pk=user.pk)  # fresh permission cache
    return users, notes


def ensure_holidays(year: int) -> None:
    """The federal holidays of ``year`` and the two after it, as a city office keeps them."""
    from ledger.models import Holiday

    for y in (year, year + 1, year + 2):
        for day, name in demo.federal_holidays(y):
            Holiday.objects.get_or_create(date=day, defaults={"name": name})


class Seeder:
    """Creates the planned records batch by batch.

    The main process opens each batch's accounts (the account-number counter is
    one locked row, so opening is serial); ``post_batch`` then writes the batch's
    year of ledger history, move-outs, notes and flags in one transaction, in a
    worker process when there are several batches.
    """

    def __init__(self, *, plan: demo.DemoPlan, users: dict[str, User], seed: int) -> None:
        self.plan = plan
        self.users = users
        self.coordinator, self.clerk = users["coordinator"], users["clerk"]
        self.seed = seed
        self.today = timezone.localdate()
        self.customers: dict[int, Customer] = {}
        self.premises: dict[int, Premise] = {}
        self.accounts: dict[int, Account] = {}

    def plans(self, batch: range) -> list[demo.AccountPlan]:
        return self.plan.accounts[batch.start : batch.stop]

    def adopt_existing(self) -> int | None:
        """Match demo accounts already in the database to the plan (a resumed run).

        Returns how many matched, or None when they come from another --seed or
        --accounts (then the command adds nothing).
        """
        existing = list(
            Account.objects.filter(opened_by=self.coordinator)
            .select_related("customer", "premise")
            .order_by("pk")
        )
        if len(existing) > len(self.plan.accounts):
            return None
        for plan, account in zip(self.plan.accounts, existing, strict=False):
            where = (plan.premise.fields["line1"], plan.premise.fields["line2"])
            if (account.premise.line1, account.premise.line2) != where:
                return None
            self.accounts[plan.key] = account
            self.customers[id(plan.customer)] = account.customer
            self.premises[id(plan.premise)] = account.premise
        return len(existing)

    def batch_opened(self, batch: range) -> bool:
        return all(plan.key in self.accounts for plan in self.plans(batch))

    def year_done(self) -> bool:
        """The year was lived (today is the open day) and its notes and flags added."""
        day = open_business_day()
        noted = [plan for plan in self.plan.accounts if plan.notes]
        return (
            day is not None
            and day.date >= self.today
            and (not noted or AccountNote.objects.filter(
                account=self.accounts[noted[0].key], text=noted[0].notes[0][1]).exists())
        )  # fmt: skip

    def all_ids(self) -> list[int]:
        return [self.accounts[plan.key].pk for plan in self.plan.accounts]

    def plans_by_id(self) -> dict[int, demo.AccountPlan]:
        return {self.accounts[plan.key].pk: plan for plan in self.plan.accounts}

    def service_dates(self) -> dict[int, tuple[date, date | None]]:
        """Each billed account's agreements: from its move-in (or before the year) to its
        move-out (the first days of its last billed month: that bill is its final bill)."""
        months = self.plan.months
        before_year = months[0] - timedelta(days=40)
        dates: dict[int, tuple[date, date | None]] = {}
        for plan in self.plan.accounts:
            billed = [i for i, bill in enumerate(plan.bills) if bill]
            if not billed or plan.key not in self.accounts:
                continue
            start = plan.start_date if billed[0] > 0 else min(plan.start_date, before_year)
            start = max(start, before_year) if billed[0] == 0 else start
            moved = plan.end_status in (AccountStatus.FINAL, AccountStatus.CLOSED)
            rng = random.Random(f"{self.seed}-{plan.key}-moves")
            end = months[billed[-1]] + timedelta(days=rng.randint(1, 3)) if moved else None
            dates[self.accounts[plan.key].pk] = (start, end)
        return dates

    def account_ids(self, batch: range) -> list[int]:
        return [self.accounts[plan.key].pk for plan in self.plans(batch)]

    @transaction.atomic
    def open_batch(self, batch: range) -> None:
        """Create the batch's customers, premises and accounts, each with its history row.

        This is the project's bulk path (``bulk_create_with_history``), not
        ``account_open`` one by one: opening 2,000 accounts through the services
        costs about 30 queries and 25 ms of CPU each, most of the seed's time. The
        numbers still come one by one from the locked counter row, the search
        document from ``search_document_for``, and PostgreSQL checks the
        constraints; status changes, notes, flags and money go through services.
        """
        plans = [plan for plan in self.plans(batch) if plan.key not in self.accounts]
        self._create(plans, lambda p: p.customer, Customer, self.customers, "Customer created")
        self._create(plans, lambda p: p.premise, Premise, self.premises, "Premise created")
        masters = [plan for plan in plans if plan.is_master]  # first: sub-accounts point at them
        for group in (masters, [plan for plan in plans if not plan.is_master]):
            accounts = [self._account(plan) for plan in group]
            bulk_create_with_history(
                accounts,
                Account,
                default_user=self.coordinator,
                default_change_reason="Account opened and service started (demo data)",
            )
            self.accounts.update(zip((plan.key for plan in group), accounts, strict=True))

    def _create(
        self,
        plans: list[demo.AccountPlan],
        part: Callable[[demo.AccountPlan], demo.CustomerPlan | demo.PremisePlan],
        model: type[Customer] | type[Premise],
        made: dict[int, Any],
        reason: str,
    ) -> None:
        todo = {id(part(plan)): part(plan) for plan in plans if id(part(plan)) not in made}
        rows = [model(**wanted.fields) for wanted in todo.values()]
        bulk_create_with_history(
            rows, model, default_user=self.coordinator, default_change_reason=reason
        )
        made.update(zip(todo, rows, strict=True))

    def _account(self, plan: demo.AccountPlan) -> Account:
        pending = plan.end_status == AccountStatus.PENDING
        account = Account(
            number=with_check_digit(next_number("account", start=ACCOUNT_NUMBER_START)),
            customer=self.customers[id(plan.customer)],
            premise=self.premises[id(plan.premise)],
            account_class=plan.account_class,
            status=AccountStatus.PENDING if pending else AccountStatus.ACTIVE,
            is_master=plan.is_master,
            master=self.accounts[plan.master.key] if plan.master else None,
            start_date=plan.start_date,
            opened_by=self.coordinator,
        )
        account.search_document = search_document_for(account)
        return account

    def finish(self, plan: demo.AccountPlan, account: Account) -> None:
        """After the year: movers whose final bill is paid closed, then notes and flags.

        Skipped for an account that has its first planned note already (a resumed run)."""
        noted = AccountNote.objects.filter(
            account=account, text=plan.notes[0][1] if plan.notes else ""
        )
        if plan.notes and noted.exists():
            return
        if plan.end_status == AccountStatus.CLOSED and account.status == AccountStatus.FINAL:
            if account.balance.amount != 0:
                return  # the final bill is not paid: the account stays final
            account_services.account_change_status(
                account=account,
                to=AccountStatus.CLOSED,
                acting_user=self.coordinator,
                reason="Final bill paid in full; account closed",
            )
        for kind, text in plan.notes:
            account_services.note_add(account=account, text=text, acting_user=self.clerk, kind=kind)
        set_already = set(
            AccountFlag.objects.filter(account=account, cleared_at__isnull=True).values_list(
                "kind", flat=True
            )
        )  # a returned check in the year may have made the account cash-only already
        for kind, reason, days in plan.flags:
            if kind in set_already:
                continue
            account_services.flag_set(
                account=account,
                kind=kind,
                reason=reason,
                acting_user=self.coordinator,
                expires_on=self.today + timedelta(days=days) if days else None,
            )
