"""``manage.py seed_demo``: demo users, customers, accounts and a year of ledger history.

Everything goes through the services (``accounts.services`` and the ledger's
``LedgerWriter``) inside ONE database transaction: an interrupted run leaves
nothing behind, and a second run finds the demo accounts and adds nothing. The
plan itself (names, addresses, bills, payment habits) comes from
``accounts.demo`` and is deterministic for a given ``--seed``.

This command sits above both apps (like a floor-4 page): it is the one place
under ``accounts`` that imports the ledger.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts import demo
from accounts import services as account_services
from accounts.choices import AccountStatus
from accounts.models import Account, Customer, Premise
from billing_site.common import roles
from ledger import services as ledger_services
from ledger.choices import GLRole, TransactionKind
from ledger.models import BusinessDay, GLAccount, JournalTransaction
from ledger.posting import LedgerWriter, Line
from ledger.selectors import open_business_day

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
        parser.add_argument("--batch-size", type=int, default=200, help="accounts per ledger batch")

    def handle(self, *args: Any, **options: Any) -> None:
        count, seed, batch_size = options["accounts"], options["seed"], options["batch_size"]
        if count < 1 or batch_size < 1:
            raise CommandError("--accounts and --batch-size must be at least 1.")
        users, notes = ensure_users()
        existing = Account.objects.filter(opened_by=users["coordinator"]).count()
        if existing:
            self.stdout.write(
                f"Demo data is already loaded ({existing:,} accounts); nothing was added."
            )
        else:
            self.seed(count=count, seed=seed, batch_size=batch_size, users=users)
        self.print_users(notes)

    def seed(self, *, count: int, seed: int, batch_size: int, users: dict[str, User]) -> None:
        started = time.monotonic()
        plan = demo.build_plan(accounts=count, seed=seed, today=timezone.localdate())
        self.stdout.write(f"Seeding {count:,} demo accounts (seed {seed}) ...")
        with transaction.atomic():
            day = ensure_open_day(users["supervisor"])
            seeder = Seeder(users=users, months=plan.months, seed=seed)
            for start in range(0, count, batch_size):
                seeder.run_batch(plan.accounts[start : start + batch_size])
                check_deferred_constraints()
                done = min(start + batch_size, count)
                self.stdout.write(
                    f"  {done:>6,}/{count:,} accounts, {seeder.postings:>7,} postings"
                    f"  {time.monotonic() - started:6.1f} s"
                )
        self.print_summary(day.date, plan.months, time.monotonic() - started)

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


def ensure_open_day(supervisor: User) -> BusinessDay:
    """The open business day, opening today (or the day after the last one) if none is."""
    day = open_business_day()
    if day is not None:
        return day
    today = timezone.localdate()
    last = BusinessDay.objects.order_by("-date").first()
    on = today if last is None or last.date < today else last.date + timedelta(days=1)
    return ledger_services.business_day_open(on=on, acting_user=supervisor)


def check_deferred_constraints() -> None:
    """Run the ledger's deferred checks now, batch by batch, instead of all at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Seeder:
    """Creates the planned records, batch by batch, through the services."""

    def __init__(self, *, users: dict[str, User], months: list[date], seed: int) -> None:
        self.coordinator, self.clerk = users["coordinator"], users["clerk"]
        self.months = months
        self.seed = seed
        self.today = timezone.localdate()
        self.cash = GLAccount.objects.get(role=GLRole.CASH)
        self.customers: dict[int, Customer] = {}
        self.premises: dict[int, Premise] = {}
        self.accounts: dict[int, Account] = {}
        self.postings = 0

    def run_batch(self, plans: list[demo.AccountPlan]) -> None:
        for plan in plans:
            self.open_account(plan)
        self.post_history(plans)
        for plan in plans:
            self.finish(plan)

    def open_account(self, plan: demo.AccountPlan) -> None:
        by = self.coordinator
        if id(plan.customer) not in self.customers:
            customer = account_services.customer_create(acting_user=by, **plan.customer.fields)
            self.customers[id(plan.customer)] = customer
        if id(plan.premise) not in self.premises:
            premise = account_services.premise_create(acting_user=by, **plan.premise.fields)
            self.premises[id(plan.premise)] = premise
        account = account_services.account_open(
            customer=self.customers[id(plan.customer)],
            premise=self.premises[id(plan.premise)],
            account_class=plan.account_class,
            acting_user=by,
            start_date=plan.start_date,
            master=self.accounts[plan.master.key] if plan.master else None,
            is_master=plan.is_master,
        )
        if plan.end_status != AccountStatus.PENDING:
            account = account_services.account_change_status(
                account=account, to=AccountStatus.ACTIVE, acting_user=by, reason="Service started"
            )
        self.accounts[plan.key] = account

    def post_history(self, plans: list[demo.AccountPlan]) -> None:
        """A year of bills and payments for the batch, in one LedgerWriter flush.

        The database refuses postings into any day but the open business day, so
        the whole history carries today's business date; the service month each
        bill or payment belongs to is in its memo.
        """
        billed = [plan for plan in plans if any(plan.bills)]
        if not billed:
            return
        writer = ledger_services.writer_for(self.coordinator)
        writer.lock([self.accounts[plan.key] for plan in billed])
        rngs = {plan.key: random.Random(f"{self.seed}-{plan.key}") for plan in billed}
        for index, month in enumerate(self.months):
            for plan in billed:
                self.post_month(writer, plan, index, month, rngs[plan.key])
        writer.flush()

    def post_month(
        self,
        writer: LedgerWriter,
        plan: demo.AccountPlan,
        index: int,
        month: date,
        rng: random.Random,
    ) -> None:
        account = writer.accounts[self.accounts[plan.key].pk]
        label = f"{month:%B %Y}"
        bill = plan.bills[index]
        if bill:
            lines = []
            for code, amount in bill.items():
                service = writer.service(code)
                lines.append(writer.receivable_line(account, amount, service))
                lines.append(Line(gl_account=service.revenue_gl, amount=-amount))
            memo = f"{label} bill: {_bill_words(bill, plan.usage[index])}"
            writer.post(kind=TransactionKind.CHARGE, lines=lines, memo=memo, source="Demo bill")
            self.postings += 1
        balance = writer.books[account.pk].balance
        paid = demo.payment_amount(plan, month=index, balance=balance, rng=rng)
        if paid > 0:
            lines = ledger_services.payment_lines(writer, account, paid, self.cash)
            memo = f"Payment on the {label} bill, {demo.tender_memo(rng, plan.habit)}"
            writer.post(kind=TransactionKind.PAYMENT, lines=lines, memo=memo, source="Demo")
            self.postings += 1

    def finish(self, plan: demo.AccountPlan) -> None:
        """Move-outs, notes and flags, after the batch's ledger history is written."""
        account = self.accounts[plan.key]
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
