"""End-of-day closeout: every drawer balanced, deposits prepared, the day closed.

Deposit slips: one per bank account and fund group. Utility receipts are pooled
cash (the cash GL's fund); each miscellaneous-revenue fund gets its own slip.
Drawer over/short is in the utility slip's cash (it was posted against pooled
cash): each bag holds what was counted. Card tenders
settle through the card processor and are not deposited. The business calendar
(the next business day, closing one and opening the next) is the ledger's
(``ledger.business_calendar``); the closeout calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from djmoney.money import Money

from billing_site.common.money import CURRENCY, ZERO
from billing_site.common.numbering import next_number
from billing_site.common.roles import require_perm
from ledger.choices import GLRole
from ledger.models import Fund, GLAccount
from ledger.services import business_day_close, lock_open_business_day, next_business_date

from ..choices import (
    UTILITY_SLIP,
    BatchKind,
    BatchStatus,
    DrawerStatus,
    ItemStatus,
    PaymentStatus,
    TenderKind,
)
from ..hooks import after_closeout
from ..models import (
    Closeout,
    Deposit,
    Drawer,
    Payment,
    PaymentLine,
    RemittanceBatch,
    RemittanceItem,
    Tender,
)
from ._common import refuse

DEFAULT_BANK_ACCOUNT = "City operating account"


@dataclass
class SlipTotals:
    fund: Fund
    label: str
    cash: Decimal = ZERO
    checks: Decimal = ZERO
    check_count: int = 0


@transaction.atomic
def closeout_run(*, acting_user: User, next_date: date | None = None) -> Closeout:
    """Close the open business day and open the next one.

    ``next_date`` (a later business date) opens that day instead of the calendar's
    next business date: the demo year skips the days on which nothing happens.
    """
    require_perm(
        acting_user, "payments.run_closeout", "ledger.post_transaction", "ledger.close_business_day"
    )
    # Lock the day row: postings take KEY SHARE on it, so none can slip in while we close.
    day = lock_open_business_day()
    if day is None:
        raise refuse(None, "No business day is open.")
    drawers = list(Drawer.objects.select_for_update().filter(business_date=day.date))
    still_open = [d for d in drawers if d.status == DrawerStatus.OPEN]
    if still_open:
        numbers = ", ".join(str(d.pk) for d in still_open)
        raise refuse(None, f"Drawers still open: {numbers}. Every drawer must be closed first.")
    importing = RemittanceBatch.objects.filter(status=BatchStatus.IMPORTING).first()
    if importing is not None:
        raise refuse(
            None, f"Lockbox batch {importing.number} is still importing: let it finish or retry it."
        )
    if any(d.clerk_id == acting_user.pk for d in drawers):
        raise refuse(None, "You counted a drawer today: another supervisor must run the closeout.")
    following = next_date or next_business_date(day.date)
    if following <= day.date:
        raise refuse(None, f"The next business day must be after {day.date}.")
    closeout = Closeout.objects.create(
        business_date=day.date, closed_by=acting_user, next_date=following
    )
    _make_deposits(closeout, drawers)
    business_day_close(day=day, acting_user=acting_user, next_date=closeout.next_date)
    after_closeout(closeout, acting_user)  # e.g. keep a month-end's aging, in a task
    return closeout


def _make_deposits(closeout: Closeout, drawers: list[Drawer]) -> None:
    slips = slip_totals(closeout.business_date, drawers)
    banks = settings.PAYMENTS_DEPOSIT_BANK_ACCOUNTS
    for slip in slips.values():
        total = slip.cash + slip.checks
        if total <= ZERO:
            continue
        Deposit.objects.create(
            closeout=closeout,
            slip_number=next_number("payments.deposit_slip"),
            bank_account=banks.get(slip.fund.code, DEFAULT_BANK_ACCOUNT),
            fund=slip.fund,
            label=slip.label,
            cash=Money(slip.cash, CURRENCY),
            checks=Money(slip.checks, CURRENCY),
            check_count=slip.check_count,
            total=Money(total, CURRENCY),
        )


def slip_totals(business_date: date, drawers: list[Drawer]) -> dict[str, SlipTotals]:
    """Cash and checks to deposit, by slip: utility receipts, then each misc-revenue fund.

    The drawers' over/short was posted against pooled cash (the cash GL); the bags
    hold what was counted, not what was expected. Its cash part goes on the utility
    slip's cash (without utility cash that day, the slip with the most cash), its
    check part (a listed check missing from the drawer) on the utility slip's
    check total; the slip's check listing still shows every check taken.
    """
    pool = GLAccount.objects.select_related("fund").get(role=GLRole.CASH).fund
    slips: dict[str, SlipTotals] = {}
    funds = {f.pk: f for f in Fund.objects.all()}

    def slip_for(misc_fund: int | None) -> SlipTotals:
        if misc_fund is None:
            return slips.setdefault(UTILITY_SLIP, SlipTotals(fund=pool, label=UTILITY_SLIP))
        fund = funds[misc_fund]
        label = f"Miscellaneous revenue - {fund.name}"
        return slips.setdefault(label, SlipTotals(fund=fund, label=label))

    # A receipt pays accounts or miscellaneous revenue, never both (payment_take):
    # its slip is the misc item's fund, or pooled cash. Two GROUP BY queries.
    tenders = (
        Tender.objects.filter(payment__business_date=business_date)
        .exclude(payment__status=PaymentStatus.VOID)
        .filter(kind__in=[TenderKind.CASH, TenderKind.CHECK, TenderKind.MONEY_ORDER])
        .annotate(misc_fund=_misc_fund("payment"))
        .values("misc_fund", "kind")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by()
    )
    for row in tenders:
        slip = slip_for(row["misc_fund"])
        if row["kind"] == TenderKind.CASH:
            slip.cash += row["total"]
        else:
            slip.checks += row["total"]
            slip.check_count += row["count"]
    change = (
        Payment.objects.filter(business_date=business_date)
        .exclude(status=PaymentStatus.VOID)
        .annotate(misc_fund=_misc_fund("pk"))
        .values("misc_fund")
        .annotate(change=Sum("change_due"))
        .order_by()
    )
    for fund_change in change:
        if fund_change["change"]:
            slip_for(fund_change["misc_fund"]).cash -= fund_change["change"]
    _add_mail_checks(slips, business_date, pool)
    # Over/short, split as the drawers counted it: the cash difference goes with
    # the slip holding the most cash (the utility slip when it has any), the check
    # difference with the utility slip's checks, so each total matches its bag.
    cash_diff = sum(
        (d.counted_cash.amount - d.expected_cash.amount for d in drawers if d.counted_cash),
        ZERO,
    )
    check_diff = sum((d.over_short.amount for d in drawers if d.over_short), ZERO) - cash_diff
    if cash_diff:
        # The utility slip when it holds cash, else whichever slip holds the most.
        carrier = max(
            slips.values() or [slip_for(None)],
            key=lambda s: (s.label == UTILITY_SLIP and s.cash > ZERO, s.cash),
        )
        carrier.cash += cash_diff
    if check_diff:
        slip_for(None).checks += check_diff
    return slips


def _misc_fund(payment_ref: str) -> Subquery:
    """The fund of a receipt's miscellaneous-revenue item (NULL for utility receipts)."""
    lines = PaymentLine.objects.filter(payment=OuterRef(payment_ref), misc_item__isnull=False)
    return Subquery(lines.values("misc_item__gl_account__fund_id")[:1])


def _add_mail_checks(slips: dict[str, SlipTotals], business_date: date, pool: Fund) -> None:
    """Mail-batch checks go on the utility slip; lockbox money is already in the bank."""
    items = RemittanceItem.objects.filter(
        business_date=business_date,
        batch__kind=BatchKind.MAIL,
        status__in=[ItemStatus.POSTED, ItemStatus.RETURNED],
    ).values_list("amount", flat=True)
    for amount in items:
        slip = slips.setdefault(UTILITY_SLIP, SlipTotals(fund=pool, label=UTILITY_SLIP))
        slip.checks += amount
        slip.check_count += 1
