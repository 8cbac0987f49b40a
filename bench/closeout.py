"""closeout: seconds to close a business day of 5,000 payments in 10 drawers.

Set-up (not timed): 10 clerks each open a drawer (``drawer_open``) and take 500
payments, one in five by check, for 200 accounts of their own (2,000 in all),
posted through the same ledger writer and rows as ``payment_take`` but in bulk:
one ``LedgerWriter`` flush per drawer, then the payments, their lines and
tenders with ``bulk_create``, and the drawer's receipt counter moved on.

Timed: every clerk counts the drawer (bills and coins by denomination, the
checks as one bundle) and closes it (``drawer_close``); a supervisor runs
``closeout_run`` (every drawer balanced, deposit slips, the day closed, the
next day opened); and the day's reports are rendered as the supervisor prints
them: the receipts journal, tender summary and GL distribution PDFs and every
deposit slip PDF (the utility slip lists each of the 1,000 checks). Before the
clock starts: ``VACUUM (ANALYZE)`` (statistics and hint bits as autovacuum
leaves a day's tables) and one small PDF, so neither figure pays WeasyPrint's
once-per-process start-up (fonts, stylesheets), as a warm app server would not.

Baseline: the time to build and render the bare daily receipts journal PDF of
the same day, on its own, right after. Lower is better; target: the whole
closeout within 2x the journal alone (ratio <= 2). The time of each step goes
to ``bench/out/closeout.txt``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench.common import OUT, Result, log, recreate_database, settle, setup_django

DATABASE = "billing_bench_closeout"
DRAWERS = 10
PER_DRAWER = 500
ACCOUNTS_PER_DRAWER = 200
CHECK_EVERY = 5  # one payment in five is a check


def main() -> Result:
    recreate_database(DATABASE)  # a fresh ledger every run, so runs compare
    setup_django(DATABASE)
    supervisor_id, day = prepare()
    settle("closeout")
    _warm_up()
    steps: list[tuple[str, float]] = []
    value = close_the_day(supervisor_id, steps)
    baseline = journal_seconds(day)
    _report(steps, value, baseline)
    return Result("closeout", value, "s_lower_is_better", baseline, 2.0)


def prepare() -> tuple[int, Any]:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from bench.dataset import build_accounts
    from billing_site.common import roles
    from ledger import services
    from payments.services import drawer_open

    started = time.perf_counter()
    supervisor = User.objects.create_user("bench-supervisor")
    supervisor.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    day = services.business_day_open(on=timezone.localdate(), acting_user=supervisor).date
    ids = build_accounts(count=DRAWERS * ACCOUNTS_PER_DRAWER, seed=3, all_active=True)
    rng = random.Random(3)
    log(f"closeout: {DRAWERS} drawers x {PER_DRAWER} payments")
    clerk_group = Group.objects.get(name=roles.CLERK)
    for n in range(DRAWERS):
        clerk = User.objects.create_user(f"bench-clerk-{n}")
        clerk.groups.add(clerk_group)
        clerk = User.objects.get(pk=clerk.pk)
        drawer = drawer_open(counts={"d20": 10, "d5": 8, "d1": 20, "c25": 40}, acting_user=clerk)
        own = ids[n * ACCOUNTS_PER_DRAWER : (n + 1) * ACCOUNTS_PER_DRAWER]
        _take_payments(drawer, clerk, own, rng)
    log(f"closeout: set-up took {time.perf_counter() - started:.1f} s")
    return supervisor.pk, day


def _take_payments(drawer: Any, clerk: Any, ids: list[int], rng: random.Random) -> None:
    """PER_DRAWER receipts at ``drawer``: the rows ``payment_take`` writes, in bulk."""
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
        queued = []
        for n, (pk, amount) in enumerate(zip(picks, amounts, strict=True), start=1):
            account = writer.account(pk)
            label = f"{drawer.pk}-{n:05d}"
            queued.append(
                writer.post(
                    kind=TransactionKind.PAYMENT,
                    lines=payment_lines(writer, account, amount, cash),
                    memo=f"Receipt {label}: {account.number}",
                    source=f"receipt {label}",
                )
            )
        writer.flush()
        payments = Payment.objects.bulk_create(
            Payment(
                drawer=drawer,
                receipt_number=n,
                business_date=writer.business_date,
                taken_by=clerk,
                total=Money(a, "USD"),
                tendered=Money(a, "USD"),
                transaction=writer.transaction_of(p),
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
                kind="check" if n % CHECK_EVERY == 0 else "cash",
                amount=p.total,
                reference=str(1000 + n) if n % CHECK_EVERY == 0 else "",
            )
            for n, p in enumerate(payments, start=1)
        )
        NumberSequence.objects.create(
            name=f"payments.receipt.drawer.{drawer.pk}", next_value=PER_DRAWER + 1
        )


def _warm_up() -> None:
    """One small PDF first, untimed: fonts, WeasyPrint's own stylesheets and the templates
    load once per process, as in an app-server worker that has printed before."""
    from payments.reports import Report

    started = time.perf_counter()
    _pdf(Report("Warm-up", ["Receipt", "Amount"], [["1-00001", Decimal("1.00")]]))
    log(f"closeout: warm-up PDF {time.perf_counter() - started:.1f} s")


def _count(amount: Decimal) -> dict[str, int]:
    """``amount`` in bills and coins, largest first, as a clerk counts the drawer."""
    from payments.choices import DENOMINATIONS

    counts = {}
    left = amount
    for name, value in DENOMINATIONS:
        counts[name], left = int(left // value), left % value
    return {name: count for name, count in counts.items() if count}


def _timed(steps: list[tuple[str, float]], name: str, action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = action()
    steps.append((name, time.perf_counter() - started))
    return result


def close_the_day(supervisor_id: int, steps: list[tuple[str, float]]) -> float:
    from django.contrib.auth.models import User

    from payments import reports, services
    from payments.models import Drawer
    from payments.selectors import drawer_expected

    supervisor = User.objects.get(pk=supervisor_id)
    drawers = list(Drawer.objects.select_related("clerk").order_by("pk"))
    log("closeout: closing drawers, running the closeout, rendering reports")
    started = time.perf_counter()

    def close_drawers() -> None:
        for drawer in drawers:
            expected = drawer_expected(drawer)
            services.drawer_close(
                drawer=drawer,
                counts=_count(expected.cash),
                checks=[("bundle", expected.checks)] if expected.checks else [],
                acting_user=drawer.clerk,
            )

    _timed(steps, f"count and close {len(drawers)} drawers", close_drawers)
    closeout = _timed(steps, "closeout_run", lambda: services.closeout_run(acting_user=supervisor))
    day = closeout.business_date
    for name, build in (("journal", reports.journal), ("tenders", reports.tenders)):
        _timed(steps, f"{name} report PDF", lambda build=build: _pdf(build(day, day)))
    _timed(steps, "gl report PDF", lambda: _pdf(reports.gl(day, day)))
    slips = _timed(steps, "deposit slip PDFs", lambda: _render_slips(closeout))
    seconds = time.perf_counter() - started
    log(f"closeout: {seconds:.1f} s with {slips} deposit slip(s)")
    return seconds


def _render_slips(closeout: Any) -> int:
    from payments.reports import deposit_slip_pdf

    deposits = list(closeout.deposits.select_related("closeout", "fund"))
    for deposit in deposits:
        deposit_slip_pdf(deposit)
    return len(deposits)


def _pdf(report: Any) -> bytes:
    from billing_site.common.pdf import render_pdf

    return render_pdf(
        "payments/pdf/cash_report.html", {"report": report}, stylesheet="payments/pdf/report.css"
    )


def journal_seconds(day: Any) -> float:
    """The bare receipts journal of ``day``: its query and its PDF, nothing else."""
    from payments import reports

    started = time.perf_counter()
    _pdf(reports.journal(day, day))
    seconds = time.perf_counter() - started
    log(f"closeout: the bare journal PDF took {seconds:.1f} s")
    return seconds


def _report(steps: list[tuple[str, float]], value: float, baseline: float) -> None:
    lines = [f"{name:<32} {seconds:>7.2f} s" for name, seconds in steps]
    lines += [f"{'closeout, all of the above':<32} {value:>7.2f} s"]
    lines += [f"{'bare journal PDF (baseline)':<32} {baseline:>7.2f} s"]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "closeout.txt").write_text("\n".join(lines) + "\n")
    for line in lines:
        log(f"closeout: {line}")


if __name__ == "__main__":
    print(main().line(), flush=True)
