"""``manage.py seed_demo``: demo users, customers, accounts and a year of ledger history.

The plan (names, addresses, bills, payment habits) comes from ``front.demo``
and is deterministic for a given ``--seed`` and ``--accounts``. The main
process creates each batch of customers, premises and accounts (bulk, with
their history rows: see ``Seeder.open_batch``) while worker processes post
earlier batches' year of bills (``ledger.services.queue_charges``, the bulk
charge path of bill runs) and payments through one ``LedgerWriter`` per batch,
then move-outs, notes and flags through ``accounts.services``,
each batch in one transaction. Nothing writes ledger rows or balances directly.

Safe to run again: demo accounts are recognised (opened by the demo
coordinator) and matched to the plan, so a finished run adds nothing and an
interrupted one resumes where it stopped; demo data from other options is left
alone. Nothing is ever duplicated.

This command lives on the top floor (``front``): it drives accounts and the
ledger together, which no lower app may do.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import services as account_services
from accounts.choices import AccountStatus
from accounts.models import Account, Customer, Premise
from accounts.services import ACCOUNT_NUMBER_START, search_document_for
from billing import demo as billing_demo
from billing_site.common import roles
from billing_site.common.numbering import next_number, with_check_digit
from front import demo
from ledger import services as ledger_services
from ledger.choices import GLRole, TransactionKind
from ledger.models import BusinessDay, GLAccount, JournalEntry, JournalTransaction
from ledger.selectors import open_business_day
from ledger.services import AccountCharges, LedgerWriter

SERVICE_WORDS = {"WATER": "water", "SEWER": "sewer", "STORM": "stormwater", "TRASH": "solid waste"}


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
        parser.add_argument("--accounts", type=int, default=2000, help="how many accounts")
        parser.add_argument("--seed", type=int, default=2026, help="same seed, same data")
        parser.add_argument(
            "--batch-size", type=int, default=200, help="accounts per ledger transaction"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="processes posting ledger history while accounts are opened; 0 = none",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, seed = options["accounts"], options["seed"]
        batch_size, workers = options["batch_size"], options["workers"]
        if min(count, batch_size) < 1 or workers < 0:
            raise CommandError("--accounts and --batch-size must be at least 1, --workers 0.")
        users, notes = ensure_users()
        ensure_holidays(timezone.localdate().year)
        plan = demo.build_plan(accounts=count, seed=seed, today=timezone.localdate())
        seeder = Seeder(plan=plan, users=users, seed=seed)
        existing = seeder.adopt_existing()
        batches = [range(i, min(i + batch_size, count)) for i in range(0, count, batch_size)]
        todo = [] if existing is None else [b for b in batches if not seeder.batch_done(b)]
        if not todo:
            total = Account.objects.filter(opened_by=users["coordinator"]).count()
            self.stdout.write(f"Demo data is already loaded ({total:,} accounts); nothing added.")
        else:
            if existing:
                self.stdout.write(f"Resuming: {existing:,} demo accounts were already opened.")
            self.seed(seeder, todo, workers)
        billing_demo.seed_billing(admin=users["admin"], coordinator=users["coordinator"])
        self.print_users(notes)

    def seed(self, seeder: Seeder, todo: list[range], workers: int) -> None:
        started = time.monotonic()
        count = len(seeder.plan.accounts)
        self.stdout.write(f"Seeding {count:,} demo accounts (seed {seeder.seed}) ...")

        def progress(what: str, done: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {what:<28} {done:>6,}/{count:,} accounts {elapsed:7.1f} s")

        with transaction.atomic():
            day = ensure_open_day(seeder.users["supervisor"])
        posted = count - sum(len(batch) for batch in todo)  # done by an interrupted run
        with HistoryPool(seeder, workers=workers if len(todo) > 1 else 0) as pool:
            for batch in todo:
                seeder.open_batch(batch)
                progress("accounts opened", batch.stop)
                pool.submit(batch, seeder.account_ids(batch))
                for done in pool.finished():
                    posted += done
                    progress("year of history posted", posted)
            for done in pool.finished(wait=True):
                posted += done
                progress("year of history posted", posted)
        self.print_summary(day.date, seeder.plan.months, time.monotonic() - started)

    def print_summary(self, business_date: date, months: list[date], seconds: float) -> None:
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
        self.stdout.write(
            f"  {JournalTransaction.objects.count():,} ledger transactions for service months "
            f"{months[0]:%b %Y} to {months[-1]:%b %Y}, all dated business day {business_date}"
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
    """This year's and next year's federal holidays, as a city office would keep them."""
    from ledger.models import Holiday

    for y in (year, year + 1):
        for day, name in demo.federal_holidays(y):
            Holiday.objects.get_or_create(date=day, defaults={"name": name})


def ensure_open_day(supervisor: User) -> BusinessDay:
    """The open business day, opening today (or the day after the last one) if none is."""
    day = open_business_day()
    if day is not None:
        return day
    today = timezone.localdate()
    last = BusinessDay.objects.order_by("-date").first()
    on = today if last is None or last.date < today else last.date + timedelta(days=1)
    return ledger_services.business_day_open(on=on, acting_user=supervisor)


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

    def batch_done(self, batch: range) -> bool:
        plans = self.plans(batch)
        if any(plan.key not in self.accounts for plan in plans):
            return False
        billed = [plan for plan in plans if any(plan.bills)]
        first = self.accounts[billed[0].key] if billed else None
        return first is None or JournalEntry.objects.filter(account=first).exists()

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
        if plans and not any(any(plan.bills) for plan in plans):  # nothing for post_batch
            for plan in plans:
                self.finish(plan, self.accounts[plan.key])

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

    def post_batch(self, batch: range, account_ids: list[int]) -> int:
        """The batch's year of history, then move-outs, notes and flags; returns accounts done."""
        plans = self.plans(batch)
        billed = [plan for plan in plans if any(plan.bills)]
        if billed:
            with transaction.atomic():
                accounts = Account.objects.in_bulk(account_ids)
                by_key = {
                    plan.key: accounts[pk] for plan, pk in zip(plans, account_ids, strict=True)
                }
                self.post_history(billed, by_key)
                for plan in plans:
                    self.finish(plan, by_key[plan.key])
        return len(plans)

    def post_history(self, plans: list[demo.AccountPlan], accounts: dict[int, Account]) -> None:
        """A year of bills and payments for the batch, in one LedgerWriter flush.

        The database refuses postings into any day but the open business day, so
        the whole history carries today's business date; the service month each
        bill or payment belongs to is in its memo.
        """
        writer = ledger_services.writer_for(self.coordinator)
        writer.lock([accounts[plan.key] for plan in plans])
        cash = GLAccount.objects.get(role=GLRole.CASH)
        rngs = {plan.key: random.Random(f"{self.seed}-{plan.key}") for plan in plans}
        for index, month in enumerate(self.plan.months):
            self.bill_month(writer, plans, accounts, index, month)
            for plan in plans:
                account = writer.account(accounts[plan.key])
                self.pay_month(writer, plan, account, cash, index, month, rngs[plan.key])
        writer.flush()

    def bill_month(
        self,
        writer: LedgerWriter,
        plans: list[demo.AccountPlan],
        accounts: dict[int, Account],
        index: int,
        month: date,
    ) -> None:
        """The month's bills of every account in the batch, through the bulk charge path."""
        bills = [
            AccountCharges(
                account=accounts[plan.key],
                charges=[(writer.service(code), amount) for code, amount in bill.items()],
                memo=f"{month:%B %Y} bill: {_bill_words(bill, plan.usage[index])}",
                source="Demo bill",
            )
            for plan in plans
            if (bill := plan.bills[index])
        ]
        if bills:
            ledger_services.queue_charges(writer, bills)

    def pay_month(
        self,
        writer: LedgerWriter,
        plan: demo.AccountPlan,
        account: Account,
        cash: GLAccount,
        index: int,
        month: date,
        rng: random.Random,
    ) -> None:
        balance = writer.open_amounts(account).balance
        paid = demo.payment_amount(plan, month=index, balance=balance, rng=rng)
        if paid > 0:
            lines = ledger_services.payment_lines(writer, account, paid, cash)
            memo = f"Payment on the {month:%B %Y} bill, {demo.tender_memo(rng, plan.habit)}"
            writer.post(kind=TransactionKind.PAYMENT, lines=lines, memo=memo, source="Demo")

    def finish(self, plan: demo.AccountPlan, account: Account) -> None:
        """Move-outs, notes and flags, after the batch's ledger history is written."""
        if plan.end_status in (AccountStatus.FINAL, AccountStatus.CLOSED):
            account_services.account_change_status(
                account=account,
                to=AccountStatus.FINAL,
                acting_user=self.coordinator,
                reason="Customer moved out; final bill issued",
            )
        if plan.end_status == AccountStatus.CLOSED:
            account_services.account_change_status(
                account=account,
                to=AccountStatus.CLOSED,
                acting_user=self.coordinator,
                reason="Final bill paid in full; account closed",
            )
        for kind, text in plan.notes:
            account_services.note_add(account=account, text=text, acting_user=self.clerk, kind=kind)
        for kind, reason, days in plan.flags:
            account_services.flag_set(
                account=account,
                kind=kind,
                reason=reason,
                acting_user=self.coordinator,
                expires_on=self.today + timedelta(days=days) if days else None,
            )


def _bill_words(bill: dict[str, Decimal], usage: Decimal | None) -> str:
    words = [SERVICE_WORDS.get(code, code.lower()) for code in bill]
    if usage is not None and "WATER" in bill:
        words[list(bill).index("WATER")] = f"water {usage} kgal"
    return ", ".join(words)


class HistoryPool:
    """Runs ``Seeder.post_batch`` in worker processes, or inline with no workers."""

    def __init__(self, seeder: Seeder, *, workers: int) -> None:
        self.seeder = seeder
        self.workers = workers
        self.pool: Pool | None = None
        self.pending: list[AsyncResult[int]] = []
        self.done_inline: list[int] = []

    def __enter__(self) -> HistoryPool:
        if self.workers > 0:
            connections.close_all()  # each forked worker must open its own connection
            context = multiprocessing.get_context("fork")
            self.pool = context.Pool(self.workers, _init_worker, (self.seeder,))
        return self

    def submit(self, batch: range, account_ids: list[int]) -> None:
        if self.pool is None:
            self.done_inline.append(self.seeder.post_batch(batch, account_ids))
        else:
            self.pending.append(self.pool.apply_async(_post_batch, (batch, account_ids)))

    def finished(self, *, wait: bool = False) -> Iterator[int]:
        """Accounts done per finished batch, in order; with ``wait``, until all are done."""
        while self.done_inline:
            yield self.done_inline.pop(0)
        while self.pending and (wait or self.pending[0].ready()):
            yield self.pending.pop(0).get()  # re-raises a worker's exception here

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self.pool is not None:
            if exc_type is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()


_worker_seeder: Seeder | None = None


def _init_worker(seeder: Seeder) -> None:
    global _worker_seeder
    _worker_seeder = seeder


def _post_batch(batch: range, account_ids: list[int]) -> int:
    assert _worker_seeder is not None
    return _worker_seeder.post_batch(batch, account_ids)
