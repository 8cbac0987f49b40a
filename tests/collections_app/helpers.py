"""Collections test data: posted bills with bill and due dates (a run and a bill row
naming the journal charge, as the bill run leaves them), payments, and business days
moved forward through the closeout's own service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from itertools import count

from django.contrib.auth.models import User

from accounts.models import Account
from billing.models import Bill, BillingCycle, BillRun
from ledger import services as ledger
from ledger.models import BusinessDay
from tests.factories import service

_numbers = count(900_001)


def bill(by: User, account: Account, *, bill_date: date, due_date: date, **amounts: str) -> Bill:
    """A posted bill of ``amounts`` per service code (``WATER="40.00"``) on ``account``."""
    cycle, _ = BillingCycle.objects.get_or_create(code="CX", defaults={"name": "Collections"})
    run = BillRun.objects.create(
        cycle=cycle, period_start=bill_date.replace(day=1), period_end=bill_date,
        bill_date=bill_date, due_date=due_date, status="posted", created_by=by,
    )  # fmt: skip
    charges = [(service(code), D(amount)) for code, amount in amounts.items()]
    txn = ledger.post_charges(
        account=account, charges=charges, memo=f"Bill of {bill_date}", acting_user=by
    )
    total = sum((a for _s, a in charges), D(0))
    return Bill.objects.create(
        run=run, account=account, status="posted", number=next(_numbers),
        period_start=run.period_start, period_end=bill_date, due_date=due_date,
        new_charges=total, amount_due=total, transaction=txn,
    )  # fmt: skip


def pay(by: User, account: Account, amount: str) -> None:
    ledger.post_payment(account=account, amount=D(amount), memo="Payment", acting_user=by)


def next_day(supervisor: User, to: date | None = None) -> BusinessDay:
    """Close the open business day and open ``to`` (default: the next business date)."""
    day = BusinessDay.objects.get(status="open")
    return ledger.business_day_close(day=day, acting_user=supervisor, next_date=to)


def collections_url_values(by: User, supervisor: User, account: Account) -> dict[str, int]:
    """A done aging, a posted late-fee run and its fee, a notice run and a letter, for the
    site-wide URL walks (a bill due 17 days before the open business day)."""
    from datetime import timedelta

    from billing_site.common.tasks import long_task_for, run_long_task
    from collections_app.models import LetterTemplate, NoticeStep
    from collections_app.services import aging, late_fees, letters, notices

    today = BusinessDay.objects.get(status="open").date
    due = today - timedelta(days=17)
    bill(by, account, bill_date=due - timedelta(days=21), due_date=due, WATER="400.00")
    run = aging.aging_run_start(as_of=today, acting_user=by)
    task = long_task_for(kind=aging.AGING_TASK, subject=run)
    assert task is not None
    run_long_task(task=task)
    fees = late_fees.late_fee_run_start(due_date=due, acting_user=by)
    run_long_task(task=late_fees.run_task(fees))  # type: ignore[arg-type]
    fees.refresh_from_db()
    run_long_task(task=late_fees.late_fee_run_post(run=fees, acting_user=supervisor))
    notice = notices.notice_run_start(step=NoticeStep.objects.get(code="reminder"), acting_user=by)
    letter = letters.letter_send(
        account=account, template=LetterTemplate.objects.get(code="general"),
        text="About your account.", acting_user=by,
    )  # fmt: skip
    fee = fees.lines.filter(account=account, status="posted").first()
    from collections_app.services import plans

    account.refresh_from_db()
    plan = plans.plan_create(
        account=account, amount=D("100.00"), down_payment=D("20.00"), months=2,
        first_due=today + timedelta(days=30), acting_user=by,
    )  # fmt: skip
    from collections_app.services import referrals

    from .referral_helpers import agency, final_owing

    referred = final_owing(by, "240.00", due=today - timedelta(days=90))
    placement = referrals.referral_place(accounts=[referred], agency=agency(), acting_user=by)
    return {
        "placement_pk": placement.pk, "referral_pk": placement.referrals.get().pk,
        "plan_pk": plan.pk,
        "aging_pk": run.pk, "fee_run_pk": fees.pk, "notice_pk": notice.pk,
        "line_pk": fee.pk if fee else 0, "letter_pk": letter.pk,
    }  # fmt: skip
