"""A year of bills and payments for many accounts, fast, for benchmark set-up only.

Each month is one database transaction of ``INSERT ... SELECT`` statements into the
journal (one charge transaction per account: water and sewer on their receivable and
revenue GL accounts; a bill run and a bill row naming it, so the bill date is known),
then the payments (nine in ten accounts pay; one in five of those the water only), then
the balances, all checked by the ledger's own triggers at commit (every transaction sums
to zero, every balance equals its kept open amounts, entries only by the transaction
that posted them, dated into the open business day). The business day is closed and
the next opened through the ledger's calendar service. No balance history rows are
written (``verify_ledger`` would say so): this is benchmark data, like ``bench.dataset``.
About 100,000 accounts a month in well under a minute, against most of an hour through
the posting services (``bench/aging_asof.py``).
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

from bench.common import log

WATER, SEWER = Decimal("31.40"), Decimal("22.15")


def build_year(user: Any, *, year: int = 2025, months: int = 12) -> None:
    """Bill and pay every account each month of ``year`` (business days opened and closed)."""
    from billing.models import BillingCycle
    from ledger import services
    from ledger.models import BusinessDay

    cycle = BillingCycle.objects.create(code="BENCHJ", name="Bench journal cycle")
    services.business_day_open(on=date(year, 1, 3), acting_user=user)
    for month in range(1, months + 1):
        started = time.perf_counter()
        _month(user, cycle, date(year, month, 1), month)
        day = BusinessDay.objects.get(status="open")
        following = date(year, month + 1, 3) if month < 12 else date(year + 1, 1, 5)
        services.business_day_close(day=day, acting_user=user, next_date=following)
        log(f"journal: month {month} billed and paid in {time.perf_counter() - started:.1f} s")
    services.refresh_planner_statistics()


def _month(user: Any, cycle: Any, bill_date: date, month: int) -> None:
    from django.db import connection, transaction

    from billing.models import BillRun
    from ledger.models import BusinessDay

    with transaction.atomic():
        day = BusinessDay.objects.get(status="open").date
        run = BillRun.objects.create(
            cycle=cycle, period_start=bill_date, period_end=bill_date, bill_date=bill_date,
            due_date=bill_date.replace(day=21), status="posted", created_by=user,
        )  # fmt: skip
        params = _params(user, run, day, month)
        with connection.cursor() as cursor:
            for statement in _statements():
                cursor.execute(statement, params)
            cursor.execute(
                "SELECT id, split_part(source, ':', 2)::bigint FROM ledger_journaltransaction"
                " WHERE source LIKE %(tag)s || ':%%' AND kind = 'charge'",
                params,
            )
            charges = cursor.fetchall()
        _bills(run, charges, params["water"] + SEWER)


def _bills(run: Any, charges: list[tuple[int, int]], amount: Decimal) -> None:
    from billing.models import Bill

    Bill.objects.bulk_create(
        (
            Bill(run=run, account_id=account_id, status="posted",
                 number=run.pk * 10_000_000 + account_id, period_start=run.period_start,
                 period_end=run.period_end, due_date=run.due_date, new_charges=amount,
                 amount_due=amount, transaction_id=txn_id)
            for txn_id, account_id in charges
        ),
        batch_size=5000,
    )  # fmt: skip


def _params(user: Any, run: Any, day: date, month: int) -> dict[str, Any]:
    from ledger.choices import GLRole
    from ledger.reference import chart

    ledger_chart = chart()
    by_code = {s.code: s for s in ledger_chart.services}
    water = WATER + month
    return {
        "user": user.pk, "run": run.pk, "day": day, "water": water, "sewer": SEWER,
        "due": run.due_date, "start": run.period_start,
        "w": by_code["WATER"].pk, "w_ar": by_code["WATER"].receivable_gl_id,
        "w_rev": by_code["WATER"].revenue_gl_id, "s": by_code["SEWER"].pk,
        "s_ar": by_code["SEWER"].receivable_gl_id, "s_rev": by_code["SEWER"].revenue_gl_id,
        "cash": ledger_chart.gl(GLRole.CASH).pk, "tag": f"bench-{run.pk}",
    }  # fmt: skip


def _statements() -> list[str]:
    charge = """
      INSERT INTO ledger_journaltransaction (business_date, kind, memo, source, created_by_id)
      SELECT %(day)s, 'charge', 'Bench bill', %(tag)s || ':' || a.id, %(user)s
      FROM accounts_account a ORDER BY a.id"""
    charge_lines = """
      INSERT INTO ledger_journalentry (transaction_id, gl_account_id, account_id, service_id,
                                       amount, amount_currency)
      SELECT t.id, x.gl, x.acct, x.svc, x.amount, 'USD'
      FROM ledger_journaltransaction t
      CROSS JOIN LATERAL (VALUES
        (%(w_ar)s, split_part(t.source, ':', 2)::bigint, %(w)s, %(water)s::numeric),
        (%(w_rev)s, NULL::bigint, NULL::bigint, -%(water)s::numeric),
        (%(s_ar)s, split_part(t.source, ':', 2)::bigint, %(s)s, %(sewer)s::numeric),
        (%(s_rev)s, NULL::bigint, NULL::bigint, -%(sewer)s::numeric)
      ) AS x(gl, acct, svc, amount)
      WHERE t.source LIKE %(tag)s || ':%%' AND t.kind = 'charge'"""
    payment = """
      INSERT INTO ledger_journaltransaction (business_date, kind, memo, source, created_by_id)
      SELECT %(day)s, 'payment', 'Bench payment', %(tag)s || ':' || a.id, %(user)s
      FROM accounts_account a WHERE a.id %% 10 <> 0 ORDER BY a.id"""
    payment_lines = """
      INSERT INTO ledger_journalentry (transaction_id, gl_account_id, account_id, service_id,
                                       amount, amount_currency)
      SELECT t.id, x.gl, x.acct, x.svc, x.amount, 'USD'
      FROM ledger_journaltransaction t
      CROSS JOIN LATERAL (SELECT split_part(t.source, ':', 2)::bigint AS id) a
      CROSS JOIN LATERAL (VALUES
        (%(cash)s, NULL::bigint, NULL::bigint,
         CASE WHEN a.id %% 5 = 1 THEN %(water)s ELSE %(water)s + %(sewer)s END),
        (%(w_ar)s, a.id, %(w)s, -%(water)s::numeric),
        (%(s_ar)s, a.id, %(s)s, CASE WHEN a.id %% 5 = 1 THEN NULL ELSE -%(sewer)s END)
      ) AS x(gl, acct, svc, amount)
      WHERE t.source LIKE %(tag)s || ':%%' AND t.kind = 'payment' AND x.amount IS NOT NULL"""
    balances = """
      UPDATE accounts_account a SET balance = a.balance + %(water)s + %(sewer)s
        - CASE WHEN a.id %% 10 = 0 THEN 0 WHEN a.id %% 5 = 1 THEN %(water)s
               ELSE %(water)s + %(sewer)s END"""
    return [charge, charge_lines, payment, payment_lines, balances]


# -- the collections benchmarks' database: kept between runs while it still matches ----

DATABASE = "billing_bench_collections"
PLAN_EVERY = 20  # one account in 20 has an active payment plan
INSTALLMENTS = [(date(2025, 9, 3), Decimal("40.00"))] + [
    (date(2025 + m // 12, m % 12 + 1, 1), Decimal("50.00")) for m in range(9, 13)
]  # the down payment, then Oct 1, Nov 1, Dec 1, Jan 1


def collections_database(accounts: int) -> Any:
    """Point Django at the collections benchmarks' database, building it when it does not
    hold ``accounts`` accounts with a year of bills and their plans; return the supervisor."""
    from bench.common import ensure_database, recreate_database, setup_django

    ensure_database(DATABASE)
    setup_django(DATABASE)
    user = _ready(accounts)
    if user is not None:
        log(f"journal: reusing {DATABASE} ({accounts:,} accounts)")
        return user
    from django.db import connections

    connections.close_all()
    recreate_database(DATABASE)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return _build(accounts)


def _ready(accounts: int) -> Any:
    from django.contrib.auth.models import User

    from accounts.models import Account
    from billing.models import Bill

    user = User.objects.filter(username="bench-supervisor").first()
    if user is None or Account.objects.count() != accounts:
        return None
    return user if Bill.objects.count() == accounts * 12 else None


def _build(accounts: int) -> Any:
    from django.contrib.auth.models import Group, User

    from bench.dataset import build_accounts
    from billing_site.common import roles

    user = User.objects.create_user("bench-supervisor", password="x")
    user.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    user = User.objects.get(pk=user.pk)
    started = time.perf_counter()
    ids = build_accounts(count=accounts, seed=21, all_active=True)
    log(f"journal: {accounts:,} accounts in {time.perf_counter() - started:.0f} s")
    build_year(user)
    _plans(user, ids[::PLAN_EVERY])
    return user


def _plans(user: Any, ids: list[int]) -> None:
    from django.db import transaction

    from collections_app.models import PaymentPlan, PlanInstallment

    with transaction.atomic():
        plans = PaymentPlan.objects.bulk_create(
            PaymentPlan(account_id=pk, status="active", amount=Decimal("240.00"),
                        down_payment=Decimal("40.00"), months=4, start_date=date(2025, 9, 3),
                        first_due=date(2025, 10, 1), requested_by=user)
            for pk in ids
        )  # fmt: skip
        PlanInstallment.objects.bulk_create(
            PlanInstallment(plan=plan, number=n, due_date=due, amount=amount)
            for plan in plans for n, (due, amount) in enumerate(INSTALLMENTS)
        )  # fmt: skip
    log(f"journal: {len(ids):,} active payment plans")
