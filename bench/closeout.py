"""closeout: seconds to close a business day of 5,000 payments in 10 drawers.

Set-up (not timed): 10 clerks each open a drawer and take 500 payments (cash,
some checks) on 2,000 accounts, posted through the same ledger writer and rows
as ``payment_take`` but in bulk. Timed: every clerk counts and closes the drawer,
a supervisor runs ``closeout_run`` (deposit slips, day closed, next day opened),
and the day's reports are rendered (receipts journal, tender summary and GL
distribution PDFs, and every deposit slip PDF).

Baseline: the time to render the bare daily receipts journal PDF of the day.
Lower is better; target: the whole closeout within 2x the journal alone.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from bench.common import Result, log, recreate_database, setup_django

DATABASE = "billing_bench_closeout"
DRAWERS = 10
PER_DRAWER = 500
ACCOUNTS = 2_000


def main() -> Result:
    recreate_database(DATABASE)
    setup_django(DATABASE)
    supervisor_id, day = prepare()
    value = close_the_day(supervisor_id)
    baseline = journal_seconds(day)
    return Result("closeout", value, "s", baseline, 2.0)


def prepare() -> tuple[int, object]:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from bench.dataset import build_accounts
    from billing_site.common import roles
    from ledger import services
    from payments.services import drawer_open

    supervisor = User.objects.create_user("bench-supervisor")
    supervisor.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    day = services.business_day_open(on=timezone.localdate(), acting_user=supervisor).date
    ids = build_accounts(count=ACCOUNTS, seed=3, all_active=True)
    rng = random.Random(3)
    log(f"closeout: {DRAWERS} drawers x {PER_DRAWER} payments")
    for n in range(DRAWERS):
        clerk = User.objects.create_user(f"bench-clerk-{n}")
        clerk.groups.add(Group.objects.get(name=roles.CLERK))
        clerk = User.objects.get(pk=clerk.pk)
        drawer = drawer_open(counts={"d20": 10}, acting_user=clerk)
        _take_payments(drawer, clerk, ids, rng)
    return supervisor.pk, day


def _take_payments(drawer: object, clerk: object, ids: list[int], rng: random.Random) -> None:
    from django.db import transaction
    from djmoney.money import Money

    from billing_site.common.models import NumberSequence
    from ledger.choices import GLRole, TransactionKind
    from ledger.models import GLAccount
    from ledger.services import payment_lines, writer_for
    from payments.models import Payment, PaymentLine, Tender

    with transaction.atomic():
        writer = writer_for(clerk)
        cash = GLAccount.objects.get(role=GLRole.CASH)
        picks = [rng.choice(ids) for _ in range(PER_DRAWER)]
        writer.lock(picks)
        amounts = [Decimal(rng.randint(1_000, 15_000)) / 100 for _ in picks]
        queued = [
            writer.post(
                kind=TransactionKind.PAYMENT,
                lines=payment_lines(writer, writer.accounts[pk], amount, cash),
                memo=f"Receipt {drawer.pk}-{n:05d}",  # type: ignore[attr-defined]
            )
            for n, (pk, amount) in enumerate(zip(picks, amounts, strict=True), start=1)
        ]
        writer.flush()
        payments = Payment.objects.bulk_create(
            Payment(
                drawer=drawer,
                receipt_number=n,
                business_date=writer.business_date,
                taken_by=clerk,
                total=Money(a, "USD"),
                tendered=Money(a, "USD"),
                transaction=p.saved,
            )
            for n, (a, p) in enumerate(zip(amounts, queued, strict=True), start=1)
        )
        PaymentLine.objects.bulk_create(
            PaymentLine(payment=p, account_id=pk, amount=p.total)
            for p, pk in zip(payments, picks, strict=True)
        )
        Tender.objects.bulk_create(
            Tender(
                payment=p,
                kind="check" if n % 5 == 0 else "cash",
                amount=p.total,
                reference=str(1000 + n) if n % 5 == 0 else "",
            )
            for n, p in enumerate(payments)
        )
        NumberSequence.objects.create(
            name=f"payments.receipt.drawer.{drawer.pk}",  # type: ignore[attr-defined]
            next_value=PER_DRAWER + 1,
        )


def close_the_day(supervisor_id: int) -> float:
    from django.contrib.auth.models import User

    from payments import services
    from payments.models import Drawer
    from payments.selectors import drawer_expected

    supervisor = User.objects.get(pk=supervisor_id)
    drawers = list(Drawer.objects.select_related("clerk"))
    log("closeout: closing drawers, running the closeout, rendering reports")
    started = time.perf_counter()
    for drawer in drawers:
        expected = drawer_expected(drawer)
        services.drawer_close(
            drawer=drawer,
            counts={"c1": int(expected.cash * 100)},
            checks=[("bundle", expected.checks)] if expected.checks else [],
            acting_user=drawer.clerk,
        )
    closeout = services.closeout_run(acting_user=supervisor)
    _render_reports(closeout)
    seconds = time.perf_counter() - started
    log(f"closeout: {seconds:.1f} s with {closeout.deposits.count()} deposit slips")
    return seconds


def _render_reports(closeout: object) -> None:
    from billing_site.common.pdf import render_pdf
    from payments import reports, selectors

    day = closeout.business_date  # type: ignore[attr-defined]
    for build in (reports.journal, reports.tenders, reports.gl):
        _pdf(build(day, day))
    for deposit in closeout.deposits.select_related("closeout", "fund"):  # type: ignore[attr-defined]
        render_pdf(
            "payments/pdf/deposit_slip.html",
            {
                "deposit": deposit,
                "checks": selectors.deposit_checks(deposit),
                "mail_checks": selectors.deposit_mail_checks(deposit),
            },
            stylesheet="payments/pdf/report.css",
        )


def _pdf(report: object) -> bytes:
    from billing_site.common.pdf import render_pdf

    return render_pdf(
        "payments/pdf/cash_report.html", {"report": report}, stylesheet="payments/pdf/report.css"
    )


def journal_seconds(day: object) -> float:
    from payments import reports

    started = time.perf_counter()
    _pdf(reports.journal(day, day))  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    log(f"closeout: the bare journal PDF took {seconds:.1f} s")
    return seconds


if __name__ == "__main__":
    print(main().line(), flush=True)
