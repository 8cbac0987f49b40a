"""Reads of the payments app: drawers and what they should hold, receipts, the day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour
from django.shortcuts import get_object_or_404

from accounts.choices import FlagKind
from accounts.models import Account, AccountFlag
from accounts.selectors import account_by_number, flags_in_force
from billing_site.common.money import ZERO
from ledger.choices import GLRole
from ledger.models import GLAccount
from ledger.selectors import paid_by_service

from .choices import (
    DENOMINATIONS,
    UTILITY_SLIP,
    BatchKind,
    BatchStatus,
    DrawerStatus,
    ItemStatus,
    PaymentStatus,
    TenderKind,
)
from .models import (
    Closeout,
    Drawer,
    Payment,
    PaymentLine,
    RemittanceBatch,
    RemittanceItem,
    Tender,
)


@dataclass
class Expected:
    """What a drawer should hold, per tender."""

    float_amount: Decimal = ZERO
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    change: Decimal = ZERO
    receipts: int = 0

    @property
    def cash(self) -> Decimal:
        return self.float_amount + self.by_kind.get(TenderKind.CASH, ZERO) - self.change

    @property
    def checks(self) -> Decimal:
        """Checks and money orders: the paper counted together at close."""
        kinds = (TenderKind.CHECK, TenderKind.MONEY_ORDER)
        return sum((self.by_kind.get(k, ZERO) for k in kinds), ZERO)

    @property
    def cards(self) -> Decimal:
        return self.by_kind.get(TenderKind.CARD, ZERO)


def drawer_expected(drawer: Drawer) -> Expected:
    return expected_by_drawer([drawer])[drawer.pk]


def expected_by_drawer(drawers: list[Drawer]) -> dict[int, Expected]:
    """What each drawer should hold, per tender kind: two GROUP BY queries for any number."""
    ids = [d.pk for d in drawers]
    by_kind: dict[int, dict[str, Decimal]] = {pk: {} for pk in ids}
    tenders = (
        Tender.objects.filter(payment__drawer_id__in=ids, payment__status__in=_COUNTED)
        .values_list("payment__drawer_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for drawer_id, kind, total in tenders:
        by_kind[drawer_id][kind] = total
    receipts = (
        Payment.objects.filter(drawer_id__in=ids, status__in=_COUNTED)
        .values("drawer_id")
        .annotate(change=Sum("change_due"), count=Count("id"))
        .order_by()
    )
    sums: dict[int, Mapping[str, Any]] = {row["drawer_id"]: row for row in receipts}
    return {
        d.pk: Expected(
            float_amount=d.float_amount.amount,
            by_kind=by_kind[d.pk],
            change=sums.get(d.pk, {}).get("change") or ZERO,
            receipts=sums.get(d.pk, {}).get("count", 0),
        )
        for d in drawers
    }


# A payment returned after the day closed was in the drawer that day; a void was not.
_COUNTED = [PaymentStatus.POSTED, PaymentStatus.RETURNED]


def account_to_pay(text: str) -> Account | None:
    """The account numbered ``text`` (digits only), with the customer and premise its
    receipt line names: the payment form reads the account once, and the receipt
    panel shown after the post needs no read of its own."""
    return account_by_number(text, related=("customer", "premise"))


def open_drawer_for(user: Any) -> Drawer | None:
    return Drawer.objects.filter(clerk=user, status=DrawerStatus.OPEN).first()


def drawer_payments(drawer: Drawer) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(drawer=drawer)
        .select_related("taken_by")
        .prefetch_related("tenders", "lines__account__customer", "lines__misc_item")
        .order_by("receipt_number")
    )


def receipts_of_day(*, user: Any, business_date: date, q: str = "") -> QuerySet[Payment]:
    """The day's receipts a user may look back at, newest first, searched by ``q``.

    A clerk sees the receipts of their own drawers; whoever reads the cash
    reports sees every drawer's. ``q`` is a receipt number ("3-00012" or "12"),
    an account number, or an amount ("42.50").
    """
    found = Payment.objects.filter(business_date=business_date)
    if not user.has_perm("payments.view_cash_reports"):
        found = found.filter(drawer__clerk=user)
    return (
        _search_receipts(found, q.strip())
        .select_related("taken_by")
        .prefetch_related("lines__account", "lines__misc_item", "tenders")
        .order_by("-taken_at", "-id")[:200]
    )


def _search_receipts(found: QuerySet[Payment], q: str) -> QuerySet[Payment]:
    if not q or not q.isascii():
        return found
    drawer, dash, number = q.partition("-")
    if dash and drawer.isdigit() and number.isdigit():
        return found.filter(drawer_id=int(drawer), receipt_number=int(number))
    if "." in q or q.startswith("$"):
        text = q.lstrip("$").replace(",", "")
        try:
            return found.filter(total=Decimal(text)) if Decimal(text).is_finite() else found.none()
        except ArithmeticError:
            return found.none()
    if q.isdigit():
        by_number = Q(receipt_number=int(q)) if len(q) <= 9 else Q(pk__in=[])
        return found.filter(by_number | Q(lines__account__number=q)).distinct()
    return found.none()


def voids_waiting() -> QuerySet[Payment]:
    """Receipts whose void a clerk requested, still posted: the supervisors' queue."""
    return (
        Payment.objects.filter(void_requested_at__isnull=False, status=PaymentStatus.POSTED)
        .select_related("void_requested_by", "taken_by")
        .order_by("void_requested_at")
    )


def receipts_for_transactions(ids: list[int]) -> dict[int, Payment]:
    """The receipt behind each journal transaction (its posting or its void), by id."""
    payments = Payment.objects.filter(Q(transaction_id__in=ids) | Q(void_transaction_id__in=ids))
    found: dict[int, Payment] = {}
    for payment in payments.only(
        "pk", "drawer_id", "receipt_number", "transaction_id", "void_transaction_id"
    ):
        found[payment.transaction_id] = payment
        if payment.void_transaction_id:
            found[payment.void_transaction_id] = payment
    return found


def payment_for_receipt(pk: int) -> Payment:
    """The payment with everything its receipt shows; 404 when there is none.

    Each account line gets ``balance_after``: the account's balance right after
    this payment posted, read from the balance history row naming its
    transaction (so a reprint next month still shows what the customer was told).
    The lines come with their accounts, customers and misc items in one query,
    the return (if any) with the payment (the receipt page reads this).
    """
    payment: Payment = get_object_or_404(
        Payment.objects.select_related(
            "drawer", "taken_by", "voided_by", "returned"
        ).prefetch_related(
            "tenders",
            Prefetch(
                "lines",
                PaymentLine.objects.select_related(
                    "account__customer", "account__premise", "misc_item"
                ),
            ),
        ),
        pk=pk,
    )
    lines = [line for line in payment.lines.all() if line.account_id]
    if lines:
        paid = paid_by_service(payment.transaction_id)  # type: ignore[arg-type]
        for line in lines:
            line.paid_to = paid.get(line.account_id, [])  # type: ignore[attr-defined,arg-type]
        after = dict(
            Account.history.filter(
                id__in=[line.account_id for line in lines],
                history_change_reason__startswith=f"Transaction #{payment.transaction_id} ",
            ).values_list("id", "balance")
        )
        for line in lines:
            line.balance_after = after.get(line.account_id)  # type: ignore[attr-defined]
    return payment


def drawers_of_day(business_date: date) -> list[tuple[Drawer, Expected]]:
    drawers = list(
        Drawer.objects.filter(business_date=business_date).select_related("clerk").order_by("id")
    )
    expected = expected_by_drawer(drawers)
    return [(d, expected[d.pk]) for d in drawers]


@dataclass(frozen=True)
class DayTotals:
    """What a closeout will close: the day's drawers and receipts, summed."""

    drawers: int
    receipts: int
    cash: Decimal
    checks: Decimal
    cards: Decimal
    over_short: Decimal


def day_totals(drawers: list[tuple[Drawer, Expected]]) -> DayTotals:
    def total(values: Any) -> Decimal:
        return sum(values, ZERO)

    return DayTotals(
        drawers=len(drawers),
        receipts=sum(e.receipts for _d, e in drawers),
        cash=total(e.cash for _d, e in drawers),
        checks=total(e.checks for _d, e in drawers),
        cards=total(e.cards for _d, e in drawers),
        over_short=total(d.over_short.amount for d, _e in drawers if d.over_short is not None),
    )


def is_cash_only(account: Account, *, on: date) -> bool:
    return any(f.kind == FlagKind.CASH_ONLY for f in flags_in_force(account, today=on))


def latest_closeouts(limit: int = 10) -> QuerySet[Closeout]:
    return Closeout.objects.select_related("closed_by").prefetch_related("deposits")[:limit]


def deposit_checks(deposit: Any) -> list[Tender]:
    """The checks and money orders listed on a deposit slip."""
    tenders = (
        Tender.objects.filter(
            payment__business_date=deposit.closeout.business_date,
            kind__in=[TenderKind.CHECK, TenderKind.MONEY_ORDER],
        )
        .exclude(payment__status=PaymentStatus.VOID)
        .select_related("payment")
        .prefetch_related("payment__lines__misc_item__gl_account")
        .order_by("payment_id")
    )
    utility = deposit.label == UTILITY_SLIP

    def on_this_slip(payment: Payment) -> bool:
        misc = misc_item_of(payment)
        if misc is None:
            return utility
        return not utility and misc.gl_account.fund_id == deposit.fund_id

    return [t for t in tenders if on_this_slip(t.payment)]


@dataclass(frozen=True)
class TenderRow:
    label: str
    expected: Decimal
    counted: Decimal | None
    difference: Decimal | None


def drawer_tender_rows(drawer: Drawer, expected: Expected) -> list[TenderRow]:
    """Expected vs counted per tender (counted only once the drawer is closed)."""
    closed = drawer.status == DrawerStatus.CLOSED
    counted_cash = drawer.counted_cash.amount if closed and drawer.counted_cash else None
    counted_checks = sum((Decimal(a) for _n, a in drawer.counted_checks), ZERO) if closed else None
    cash_exp = drawer.expected_cash.amount if closed and drawer.expected_cash else expected.cash
    checks_exp = (
        drawer.expected_checks.amount if closed and drawer.expected_checks else expected.checks
    )

    def diff(counted: Decimal | None, exp: Decimal) -> Decimal | None:
        return None if counted is None else counted - exp

    return [
        TenderRow("Cash (float included)", cash_exp, counted_cash, diff(counted_cash, cash_exp)),
        TenderRow(
            "Checks and money orders", checks_exp, counted_checks, diff(counted_checks, checks_exp)
        ),
        TenderRow("Cards (settled by the processor)", expected.cards, None, None),
    ]


@dataclass(frozen=True)
class CountReview:
    """A count against what the drawer should hold, before the clerk confirms the close."""

    rows: list[TenderRow]
    difference: Decimal


def count_review(
    drawer: Drawer, counts: dict[str, int], checks: list[tuple[str, Decimal]]
) -> CountReview:
    expected = drawer_expected(drawer)
    values = dict(DENOMINATIONS)
    cash = sum((values[name] * n for name, n in counts.items() if name in values), ZERO)
    paper = sum((amount for _number, amount in checks), ZERO)
    rows = [
        TenderRow("Cash (float included)", expected.cash, cash, cash - expected.cash),
        TenderRow("Checks and money orders", expected.checks, paper, paper - expected.checks),
    ]
    return CountReview(rows=rows, difference=sum((r.difference or ZERO for r in rows), ZERO))


def drawer_reopenable(drawer: Drawer) -> bool:
    """Closed, and its day not yet closed out: a supervisor may reopen it for a recount."""
    return (
        drawer.status == DrawerStatus.CLOSED
        and not Closeout.objects.filter(business_date=drawer.business_date).exists()
    )


def misc_item_of(payment: Payment) -> Any:
    return next((line.misc_item for line in payment.lines.all() if line.misc_item), None)


def _pool_fund_id() -> int:
    return int(GLAccount.objects.values_list("fund_id", flat=True).get(role=GLRole.CASH))


def cash_only_ids(accounts: Any, *, on: date) -> set[int]:
    """The pks of ``accounts`` with a cash-only flag in force on ``on`` (one query)."""
    return set(
        AccountFlag.objects.filter(
            account__any=[a.pk for a in accounts],
            kind=FlagKind.CASH_ONLY,
            cleared_at__isnull=True,
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values_list("account_id", flat=True)
    )


def deposit_mail_checks(deposit: Any) -> list[Any]:
    """Mail-batch checks on a deposit slip: they go on the pooled-cash (utility) slip."""
    pool = _pool_fund_id()
    if deposit.fund_id != pool or deposit.label != UTILITY_SLIP:
        return []
    return list(
        RemittanceItem.objects.filter(
            business_date=deposit.closeout.business_date,
            batch__kind=BatchKind.MAIL,
            status__in=[ItemStatus.POSTED, ItemStatus.RETURNED],
        )
        .select_related("batch")
        .order_by("batch__number", "line_number")
    )


def batches_for_closeout(business_date: date) -> list[Any]:
    """The day's batches, and any still open or importing (they post into the open day)."""
    return list(
        RemittanceBatch.objects.filter(
            Q(business_date=business_date) | Q(status__in=[BatchStatus.OPEN, BatchStatus.IMPORTING])
        ).order_by("number")
    )


def open_exceptions_for_closeout(business_date: date) -> list[Any]:
    """Lockbox rows still waiting for a person from batches of ``business_date`` or before.

    They do not block the closeout; the supervisor sees them before closing.
    """
    return list(
        RemittanceItem.objects.filter(
            status=ItemStatus.EXCEPTION, batch__business_date__lte=business_date
        )
        .select_related("batch")
        .order_by("batch__number", "line_number")[:100]
    )


# -- the operations dashboard ------------------------------------------------------


def tenders_by_hour(business_date: date) -> list[tuple[int, str, Decimal]]:
    """(hour, tender kind, amount) of the day's counter receipts (voids left out), by the
    hour (local time) each was taken, cash less the change handed back: two GROUP BYs."""
    counted = {"payment__business_date": business_date, "payment__status__in": _COUNTED}
    tenders = (
        Tender.objects.filter(**counted)
        .annotate(hour=ExtractHour("payment__taken_at"))
        .values_list("hour", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sums = {(hour, kind): total for hour, kind, total in tenders}
    change = (
        Payment.objects.filter(business_date=business_date, status__in=_COUNTED)
        .annotate(hour=ExtractHour("taken_at"))
        .values_list("hour")
        .annotate(change=Sum("change_due"))
        .order_by()
    )
    for hour, given in change:
        if given:
            sums[(hour, TenderKind.CASH)] = sums.get((hour, TenderKind.CASH), ZERO) - given
    return sorted((hour, kind, total) for (hour, kind), total in sums.items() if total)


def remittances_of_day(business_date: date) -> dict[str, tuple[int, Decimal]]:
    """Mail and lockbox payments posted on the day: batch kind -> (items, amount)."""
    rows = (
        RemittanceItem.objects.filter(status=ItemStatus.POSTED, business_date=business_date)
        .values_list("batch__kind")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by()
    )
    return {kind: (count, total) for kind, count, total in rows}


def open_drawers() -> list[tuple[Drawer, Expected]]:
    """Drawers open now (any day), with their clerks and what each should hold: 3 queries."""
    drawers = list(
        Drawer.objects.filter(status=DrawerStatus.OPEN)
        .select_related("clerk")
        .order_by("opened_at")
    )
    expected = expected_by_drawer(drawers)
    return [(d, expected[d.pk]) for d in drawers]


def lockbox_exceptions() -> QuerySet[RemittanceItem]:
    """Lockbox and mail rows waiting for a person, oldest batch first."""
    return (
        RemittanceItem.objects.filter(status=ItemStatus.EXCEPTION)
        .select_related("batch")
        .order_by("batch__created_at", "line_number")
    )


def batches_being_keyed() -> QuerySet[RemittanceBatch]:
    """Mail batches still open for keying (no task: a person types them)."""
    return RemittanceBatch.objects.filter(kind=BatchKind.MAIL, status=BatchStatus.OPEN)
