"""The demo year: twelve months of a city's billing office, lived day by day.

``seed_demo`` opens the accounts, then :class:`DemoYear` walks the business days
from the first bill date of the year to today, through the services a city's staff
use, never around them. Only the days on which something happens (reads, runs,
payments, returns, second visits) are opened and closed; the closeout of one opens
the next of them (``closeout_run(next_date=...)``), the days between never open:
each lived day costs about twenty PostgreSQL round trips of fixed work.

* **Reads**: on each cycle's read day (or the next business day) the route's reads
  are imported with seasonal use (``billing.demo.cycle_reads``). About one meter in
  a hundred is missed in a few months: its bill is estimated, the actual read arrives
  on a second visit a few days after the bill, and the bill is cancelled and rebilled
  (``bill_cancel`` reason ``estimate``, ``bill_rebill``).
* **Bill runs**: on each cycle's bill date a real run (``billing.bills.runs``):
  Calculate, Post (errors excluded), in the open business day. Movers' agreements end
  before their last read, so their last bill is a final bill; the account goes final
  (and closed, once paid, when the plan says so).
* **Payments** (``front.demo.payment_amount`` decides how much from the customer's
  habit): on-time payers a few days to three weeks after the bill, late payers after
  the due date, partial payers part of it, "overdue" customers stop paying.
  Autopay comes as a lockbox (bank) file, most checks by lockbox or as a mail batch
  keyed by the coordinator, the rest at the counter (cash, check, card) in the
  clerk's drawer, opened with a float and counted at the end of the day.
* **Returned checks**: a few checks come back from the bank a week later
  (``payment_return``, with the returned-payment fee).
* **Closing**: every lived day the clerk counts the drawer and the supervisor runs
  the closeout, which closes the day and opens the next day with something to do. Each day's GL
  distribution shows only that day's postings.

* **Budget billing** (``billing.budget``): right after each cycle's third bill run
  (three bills to average), the coordinator enrols a few long-standing residential
  customers who pay on time (``BUDGET_SHARE``, at least one a cycle) with the true-up in
  the month of the cycle's last bill of the year. They pay the level amount each month;
  the true-up bill asks what was carried, and they pay it in full.

Resumable: a closed day is never done again; on an interrupted day each step checks
what it already did (reads stored, run posted, batch imported, drawer closed).
Bill PDFs are rendered when someone opens a bill, not here.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from accounts import services as account_services
from accounts.choices import AccountStatus
from accounts.models import Account
from billing import budget
from billing import demo as billing_demo
from billing.bills import corrections, runs
from billing.choices import BillRunStatus, BillStatus, CancelReason
from billing.models import Bill, BillingCycle, BillRun, BudgetPlan, RouteStop
from billing_site.common.models import LongTask
from billing_site.common.tasks import run_long_task
from front import demo
from ledger.business_calendar import next_business_date
from ledger.models import BusinessDay
from ledger.selectors import open_business_day
from payments.choices import DENOMINATIONS, BatchStatus, DrawerStatus, ReturnKind, TenderKind
from payments.models import Drawer, Payment, RemittanceBatch, RemittanceItem
from payments.selectors import drawer_expected, is_cash_only
from payments.services import batches, closeout, drawers, returns, taking

ZERO = Decimal("0.00")
FLOAT = {"d20": 5, "d10": 5, "d5": 8, "d1": 20, "c25": 40, "c10": 50, "c5": 40, "c1": 100}
ESTIMATED_MONTHS = (2, 6, 9)  # months of the year in which a few meters are missed
RETURN_MONTHS = (3, 8)  # months in which a cycle's first check payment bounces
BUDGET_AFTER = 2  # service month after whose bills a few accounts enrol in budget billing
BUDGET_SHARE = 40  # one enrolled account in this many of a cycle's candidates


@dataclass(frozen=True)
class CycleMonth:
    """One cycle's read and bill of one service month."""

    cycle: BillingCycle
    index: int  # service month 0..11
    previous: date  # the read before (the period starts the day after)
    read_date: date
    bill_date: date


@dataclass(frozen=True)
class DuePayment:
    account_id: int
    amount: Decimal
    channel: str  # counter, mail, lockbox
    tender: str  # cash, check, card (counter); check or draft otherwise
    returned: bool = False


@dataclass
class Agenda:
    """What each business day holds; built as the year goes (payments follow bills)."""

    reads: dict[date, list[tuple[CycleMonth, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # (cycle month, initial reads)
    runs: dict[date, list[CycleMonth]] = field(default_factory=lambda: defaultdict(list))
    payments: dict[date, list[DuePayment]] = field(default_factory=lambda: defaultdict(list))
    late_reads: dict[date, list[tuple[int, date]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    returns: dict[date, list[int]] = field(default_factory=lambda: defaultdict(list))


def business_on_or_after(day: date) -> date:
    return next_business_date(day - timedelta(days=1))


def cycle_months(today: date) -> list[CycleMonth]:
    """Every cycle's twelve service months before ``today``'s month (bill date <= today)."""
    found = []
    months = demo.service_months(today)
    before = months[0] - timedelta(days=1)
    for cycle in BillingCycle.objects.filter(code__in=[f"C{n}" for n, _ in billing_demo.CYCLES]):
        previous = cycle.read_date(before.year, before.month)
        for index, month in enumerate(months):
            read_date = cycle.read_date(month.year, month.month)
            bill_date = business_on_or_after(cycle.bill_date(month.year, month.month))
            if bill_date <= today:
                found.append(CycleMonth(cycle, index, previous, read_date, bill_date))
            previous = read_date
    return found


def first_day(today: date) -> date:
    """The year's first business day: the first cycle's first read (its initial reads)."""
    return business_on_or_after(min(cm.previous for cm in cycle_months(today)))


class DemoYear:
    """Walks the business days; see the module docstring."""

    def __init__(
        self,
        *,
        plans: dict[int, demo.AccountPlan],
        users: dict[str, User],
        seed: int,
        today: date,
        progress: Callable[[str], None],
    ) -> None:
        self.plans = plans  # account id -> plan
        self.clerk, self.coordinator = users["clerk"], users["coordinator"]
        self.supervisor = users["supervisor"]
        self.seed, self.today, self.progress = seed, today, progress
        self.rng = random.Random(f"{seed}-year")
        self.agenda = Agenda()
        self.months = cycle_months(today)
        self.stats: dict[str, int] = defaultdict(int)
        self.bounced: set[tuple[int, int]] = set()
        self.cycle_of: dict[int, int] = {}

    # -- the calendar ---------------------------------------------------------------

    def run(self) -> None:
        for cm in self.months:
            if cm.index == 0:
                self.agenda.reads[business_on_or_after(cm.previous)].append((cm, True))
            self.agenda.reads[business_on_or_after(cm.read_date)].append((cm, False))
            self.agenda.runs[cm.bill_date].append(cm)
        day = self.open_first_day()
        self.replay_before(day.date)
        month = day.date.month
        while day.date < self.today:
            self.live(day.date)
            day = self.close(day)
            if day.date.month != month:
                month = day.date.month
                self.progress(f"business day {day.date}")
        self.live(day.date)  # today stays open: the office's day

    def next_day(self, after: date) -> date:
        """The next business day with something to do (reads, runs, payments, returns,
        second visits), else today's: the days between are never opened. Whatever a
        day plans falls on a later day, so no skipped day could have held anything."""
        last = business_on_or_after(self.today)
        agenda = self.agenda
        planned = (agenda.reads, agenda.runs, agenda.payments, agenda.late_reads, agenda.returns)
        later = [d for days in planned for d, todo in days.items() if todo and after < d < last]
        return min(later, default=last)

    def replay_before(self, on: date) -> None:
        """A resumed run: plan again what the days already closed left for later days
        (second visits, payments of their bills); returns of their checks are lost."""
        for cm in self.months:
            if business_on_or_after(cm.read_date) < on:
                self.missed(cm)
            if cm.bill_date < on:
                run = self.run_of(cm)
                if run is not None and run.status == BillRunStatus.POSTED:
                    self.plan_bills(cm, run)

    def run_of(self, cm: CycleMonth) -> BillRun | None:
        return BillRun.objects.filter(
            cycle=cm.cycle, period_start=cm.previous + timedelta(days=1)
        ).first()

    def open_first_day(self) -> BusinessDay:
        day = open_business_day()
        if day is not None:
            return day
        return demo_open_day(first_day(self.today), self.supervisor)

    def live(self, on: date) -> None:
        """Everything of day ``on``, each step checking it was not done before."""
        for cm, initial in self.agenda.reads.get(on, []):
            self.import_reads(cm, initial=initial)
        for account_id, read_date in self.agenda.late_reads.get(on, []):
            self.rebill_estimate(account_id, read_date)
        for cm in self.agenda.runs.get(on, []):
            self.bill(cm, on)
        due = self.agenda.payments.get(on, [])
        self.counter(on, [p for p in due if p.channel == "counter"])
        self.mail(on, [p for p in due if p.channel == "mail"])
        self.lockbox(on, [p for p in due if p.channel == "lockbox"])
        for payment_id in self.agenda.returns.get(on, []):
            self.return_check(payment_id)

    def close(self, day: BusinessDay) -> BusinessDay:
        with transaction.atomic():
            for drawer in Drawer.objects.filter(business_date=day.date, status=DrawerStatus.OPEN):
                self.count_and_close(drawer)
            closeout.closeout_run(acting_user=self.supervisor, next_date=self.next_day(day.date))
        opened = open_business_day()
        assert opened is not None
        return opened

    # -- reads and bills ------------------------------------------------------------

    def import_reads(self, cm: CycleMonth, *, initial: bool) -> None:
        read_date = cm.previous if initial else cm.read_date
        if billing_demo.cycle_reads_done(cycle=cm.cycle, read_date=read_date):
            return
        skip = frozenset() if initial else self.missed(cm)
        with transaction.atomic():
            self.stats["reads"] += billing_demo.cycle_reads(
                cycle=cm.cycle,
                previous=read_date if initial else cm.previous,
                read_date=read_date,
                coordinator=self.coordinator,
                skip=skip,
                initial_only=initial,
            )

    def missed(self, cm: CycleMonth) -> frozenset[int]:
        """Meters the reader could not get to this month (their bills are estimated)."""
        if cm.index not in ESTIMATED_MONTHS:
            return frozenset()
        rng = random.Random(f"{self.seed}-{cm.cycle.code}-{cm.index}")
        if not self.cycle_of:
            self.cycle_of = dict(RouteStop.objects.values_list("account_id", "route__cycle_id"))
        ours = sorted(
            pk
            for pk, plan in self.plans.items()
            if plan.bills[cm.index] and self.cycle_of.get(pk) == cm.cycle.pk
        )
        count = max(1, len(ours) // 100) if len(ours) >= 5 else 0
        missed = frozenset(rng.sample(ours, min(count, len(ours))))
        second_visit = business_on_or_after(cm.bill_date + timedelta(days=5))
        if second_visit <= self.today:
            self.agenda.late_reads[second_visit] += [(pk, cm.read_date) for pk in sorted(missed)]
        return missed

    def bill(self, cm: CycleMonth, on: date) -> None:
        run = self.run_of(cm)
        if run is None:
            run = runs.bill_run_start(
                cycle=cm.cycle, period_start=cm.previous + timedelta(days=1),
                period_end=cm.read_date, bill_date=on, acting_user=self.coordinator,
                message="Thank you for paying on time. Water is precious: fix leaks promptly.",
            )  # fmt: skip
        self.finish_task(run, runs.CALCULATE_TASK)
        run.refresh_from_db()
        if run.status == BillRunStatus.REVIEW:
            total = runs.run_total(run)
            runs.bill_run_post(
                run=run, confirmed_total=total, exclude_errors=True, acting_user=self.coordinator
            )
        self.finish_task(run, runs.POST_TASK)
        if cm.index == BUDGET_AFTER:
            self.enrol_budget(cm)
        for account_id in self.plan_bills(cm, run):
            self.move_out(account_id)

    def enrol_budget(self, cm: CycleMonth) -> None:
        """A few of the cycle's steady payers go on budget billing (see the docstring)."""
        later = [m for m in self.months if m.cycle == cm.cycle and m.index > BUDGET_AFTER + 3]
        if not later:
            return  # no true-up would fall in the year
        true_up = max(later, key=lambda m: m.index).bill_date.month
        if not self.cycle_of:
            self.cycle_of = dict(RouteStop.objects.values_list("account_id", "route__cycle_id"))
        steady = sorted(
            pk
            for pk, plan in self.plans.items()
            if self.cycle_of.get(pk) == cm.cycle.pk and plan.habit in ("prompt", "autopay")
            and plan.account_class == "residential" and plan.end_status == AccountStatus.ACTIVE
            and all(plan.bills) and plan.master is None and not plan.is_master
        )  # fmt: skip
        rng = random.Random(f"{self.seed}-{cm.cycle.code}-budget")
        chosen = rng.sample(steady, min(len(steady), max(1, len(steady) // BUDGET_SHARE)))
        enrolled = set(
            BudgetPlan.objects.filter(account_id__in=chosen).values_list("account_id", flat=True)
        )
        for account in Account.objects.filter(pk__in=set(chosen) - enrolled).order_by("pk"):
            if budget.budget_refusals(account):
                continue  # not eligible after all (owes from an earlier bill)
            budget.budget_enrol(
                account=account, true_up_month=true_up, acting_user=self.coordinator
            )
            self.stats["budget"] += 1

    def plan_bills(self, cm: CycleMonth, run: BillRun) -> list[int]:
        """Plan the payments of the run's bills; returns the accounts of its final bills."""
        posted = list(run.bills.filter(status=BillStatus.POSTED).values_list(
            "account_id", "new_charges", "amount_due", "due_date", "final_bill",
            "budget_amount"))  # fmt: skip
        self.stats["bills"] += len(posted)
        for account_id, new, due, due_date, _final, level in posted:
            if level is not None:  # budget-billed: the plan's amount is what they pay
                new = due = level
            self.plan_payment(cm, run.bill_date, account_id, new, due, due_date)
        return [account_id for account_id, _n, _d, _dd, final, _l in posted if final]

    def finish_task(self, run: BillRun, kind: str) -> None:
        task = runs.bill_run_long_task(run, kind)
        if task is not None and task.status != "done":
            run_long_task(task=LongTask.objects.get(pk=task.pk))

    def rebill_estimate(self, account_id: int, read_date: date) -> None:
        bill = Bill.objects.filter(
            account_id=account_id, period_end=read_date, status=BillStatus.POSTED, estimated=True
        ).first()
        if bill is None:
            return  # rebilled already (or the account was not billed)
        with transaction.atomic():
            billing_demo.late_read(
                account_id=account_id, read_date=read_date, coordinator=self.coordinator
            )
            corrections.bill_cancel(
                bill=bill, reason=CancelReason.ESTIMATE, acting_user=self.coordinator
            )
            corrections.bill_rebill(bill=bill, acting_user=self.coordinator)
        self.stats["rebilled"] += 1

    def move_out(self, account_id: int) -> None:
        account = Account.objects.get(pk=account_id)
        if account.status == AccountStatus.ACTIVE:
            account_services.account_change_status(
                account=account, to=AccountStatus.FINAL, acting_user=self.coordinator,
                reason="Customer moved out; final bill issued",
            )  # fmt: skip

    # -- payments -------------------------------------------------------------------

    def plan_payment(
        self, cm: CycleMonth, on: date, account_id: int, new: object, due: object, due_date: date
    ) -> None:
        plan = self.plans.get(account_id)
        if plan is None:
            return
        rng = random.Random(f"{self.seed}-{account_id}-{cm.index}")
        new_charges = getattr(new, "amount", new)
        owed = getattr(due, "amount", due)
        assert isinstance(new_charges, Decimal) and isinstance(owed, Decimal)
        amount = demo.payment_amount(plan, month=cm.index, balance=owed, rng=rng, bill=new_charges)
        if amount <= ZERO:
            return
        if plan.habit == "late":
            when = due_date + timedelta(days=rng.randint(3, 25))
        else:
            when = on + timedelta(days=rng.randint(4, 19))
        channel, tender = self.channel(plan.habit, rng)
        returned = tender == "check" and (rng.random() < 0.003 or self.first_check(cm))
        self.agenda.payments[business_on_or_after(when)].append(
            DuePayment(account_id, amount, channel, tender, returned)
        )

    def first_check(self, cm: CycleMonth) -> bool:
        """The first check of a few cycle months bounces (so even a small demo has some)."""
        key = (cm.cycle.pk, cm.index)
        if cm.index not in RETURN_MONTHS or key in self.bounced:
            return False
        self.bounced.add(key)
        return True

    @staticmethod
    def channel(habit: str, rng: random.Random) -> tuple[str, str]:
        if habit == "autopay":
            return "lockbox", "draft"
        roll = rng.random()
        if roll < 0.6:
            return "lockbox", "check"
        if roll < 0.82:
            return "mail", "check"
        return "counter", rng.choice(["cash", "cash", "check", "card"])

    def counter(self, on: date, due: list[DuePayment]) -> None:
        if not due or Payment.objects.filter(business_date=on).exists():
            return
        with transaction.atomic():
            drawers.drawer_open(counts=FLOAT, acting_user=self.clerk)
            for item in due:
                account = Account.objects.get(pk=item.account_id)
                if account.status == AccountStatus.CLOSED:
                    continue
                if item.tender != "cash" and is_cash_only(account, on=on):
                    item = replace(item, tender="cash", returned=False)  # as the clerk asks
                payment = taking.payment_take(
                    drawer=None, tenders=[self.tender(item)], acting_user=self.clerk,
                    accounts=[taking.AccountPart(account, item.amount)], payer="",
                )  # fmt: skip
                self.stats["counter"] += 1
                if item.returned:
                    self.return_later(on, payment.pk)

    def tender(self, item: DuePayment) -> taking.TenderIn:
        rng = random.Random(f"tender-{item.account_id}-{item.amount}")
        if item.tender == "cash":
            cash = Decimal(int(item.amount) + 1 + rng.choice([0, 0, 4, 9, 19]))
            return taking.TenderIn(TenderKind.CASH, cash)
        if item.tender == "check":
            return taking.TenderIn(
                TenderKind.CHECK, item.amount, reference=str(rng.randint(1001, 9899))
            )
        brand = rng.choice(["visa", "mastercard", "discover", "amex"])
        return taking.TenderIn(
            TenderKind.CARD, item.amount, reference=f"{rng.randint(0, 0xFFFFFF):06X}",
            card_brand=brand, card_last4=f"{rng.randint(0, 9999):04d}",
        )  # fmt: skip

    def count_and_close(self, drawer: Drawer) -> None:
        expected = drawer_expected(drawer)
        counts, left = {}, expected.cash
        for name, value in DENOMINATIONS:
            counts[name], left = int(left // value), left % value
        checks = self.drawer_checks(drawer)
        drawers.drawer_close(drawer=drawer, counts=counts, checks=checks, acting_user=self.clerk)

    @staticmethod
    def drawer_checks(drawer: Drawer) -> list[tuple[str, Decimal]]:
        from payments.models import Tender

        return [
            (reference or "0", Decimal(amount))
            for reference, amount in Tender.objects.filter(
                payment__drawer=drawer,
                kind__in=[TenderKind.CHECK, TenderKind.MONEY_ORDER],
                payment__status="posted",
            ).values_list("reference", "amount")
        ]

    def mail(self, on: date, due: list[DuePayment]) -> None:
        done = RemittanceBatch.objects.filter(
            kind="mail", status=BatchStatus.POSTED, business_date=on
        )
        if not due or done.exists():
            return
        items = [p for p in due if self.takes_checks(p.account_id)]
        if not items:
            return
        with transaction.atomic():
            batch = batches.batch_create(
                control_count=len(items),
                control_total=sum((p.amount for p in items), ZERO),
                acting_user=self.coordinator,
            )
            keyed = []
            for n, item in enumerate(items):
                account = Account.objects.only("number").get(pk=item.account_id)
                keyed.append(batches.batch_add_item(
                    batch=batch, account_text=account.number, amount=item.amount,
                    check_number=str(1001 + (item.account_id * 7 + n) % 8800),
                    acting_user=self.coordinator,
                ))  # fmt: skip
            batches.batch_post(batch=batch, acting_user=self.coordinator)
        self.stats["mail"] += len(items)
        for item, row in zip(items, keyed, strict=True):
            if item.returned:
                self.return_later(on, -row.pk)

    def takes_checks(self, account_id: int) -> bool:
        account = Account.objects.get(pk=account_id)
        return account.status != AccountStatus.CLOSED and not batches._account_problem(account)

    def lockbox(self, on: date, due: list[DuePayment]) -> None:
        name = f"lockbox-{on:%Y%m%d}.csv"
        if not due or RemittanceBatch.objects.filter(file_name=name).exists():
            return
        numbers = dict(
            Account.objects.filter(pk__in=[p.account_id for p in due]).values_list("pk", "number")
        )
        lines = [",".join(("deposit_date", "batch", "sequence", "account", "amount",
                           "check_number", "remitter"))]  # fmt: skip
        for n, item in enumerate(due, start=1):
            check = "" if item.tender == "draft" else str(1001 + (item.account_id * 3 + n) % 8800)
            lines.append(f"{on:%Y-%m-%d},{on:%m%d},{n:05d},{numbers[item.account_id]},"
                         f"{item.amount},{check},")  # fmt: skip
        total = sum((item.amount for item in due), Decimal("0.00"))
        lines.append(f"trailer,{len(due)},{total:.2f}")  # the bank's control figures
        batch = batches.lockbox_import(
            file_name=name, data=("\n".join(lines) + "\n").encode(), acting_user=self.coordinator
        )
        task = batches.lockbox_task(batch)
        if task is not None and task.status != "done":
            run_long_task(task=LongTask.objects.get(pk=task.pk))
        self.stats["lockbox"] += len(due)

    def return_later(self, on: date, payment_or_item: int) -> None:
        back = business_on_or_after(on + timedelta(days=6))
        if back <= self.today:
            self.agenda.returns[back].append(payment_or_item)

    def return_check(self, ref: int) -> None:
        payment = Payment.objects.filter(pk=ref).first() if ref > 0 else None
        item = RemittanceItem.objects.filter(pk=-ref).first() if ref < 0 else None
        if (payment and payment.status != "posted") or (item and item.status != "posted"):
            return  # returned already
        returns.payment_return(
            kind=ReturnKind.RETURNED_CHECK, reason="NSF: insufficient funds",
            acting_user=self.supervisor, payment=payment, item=item,
        )  # fmt: skip
        self.stats["returned"] += 1


def demo_open_day(on: date, supervisor: User) -> BusinessDay:
    from ledger import services as ledger_services

    return ledger_services.business_day_open(on=on, acting_user=supervisor)
