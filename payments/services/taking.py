"""Taking a payment: tenders checked, receipt numbered, money posted once to the ledger.

Field names in refusals match ``payments.forms.PaymentForm`` so each message
appears next to the field it is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, QuerySet
from djmoney.money import Money

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.cards import (
    CARD_NUMBER_MESSAGE,
    looks_like_card_number,
    refuse_card_numbers,
)
from billing_site.common.money import CENT, CURRENCY, ZERO
from billing_site.common.numbering import next_number
from billing_site.common.roles import require_perm
from ledger.choices import GLRole, TransactionKind
from ledger.models import Service
from ledger.selectors import UNAPPLIED
from ledger.services import LedgerWriter, Line, deposit_lines, payment_lines, writer_for

from ..choices import CASH_ONLY_TENDERS, TenderKind
from ..models import Drawer, MiscRevenueItem, Payment, PaymentLine, Tender
from ..selectors import is_cash_only
from ._common import amount_for, refuse
from .billed_deposit import BilledDeposits, DepositReceived, billed_deposits_received
from .drawers import own_open_drawer

_AUTH_CODE = re.compile(r"^[A-Za-z0-9]{2,12}$")
# Which form field a tender's amount and reference are typed in.
TENDER_FIELDS: dict[str, tuple[str, str]] = {
    TenderKind.CASH: ("cash_amount", ""),
    TenderKind.CHECK: ("check_amount", "check_number"),
    TenderKind.MONEY_ORDER: ("mo_amount", "mo_serial"),
    TenderKind.CARD: ("card_amount", "card_auth"),
}


@dataclass(frozen=True)
class AccountPart:
    account: Account
    amount: Decimal
    field: str = "account_0"


@dataclass(frozen=True)
class MiscPart:
    item: MiscRevenueItem
    amount: Decimal
    description: str = ""


@dataclass(frozen=True)
class TenderIn:
    kind: str
    amount: Decimal
    reference: str = ""
    card_brand: str = ""
    card_last4: str = ""


def payment_take(
    *,
    drawer: Drawer | None,
    tenders: Sequence[TenderIn],
    acting_user: User,
    accounts: Sequence[AccountPart] = (),
    misc: Sequence[MiscPart] = (),
    payer: str = "",
    deposits: Sequence[AccountPart] = (),
    savepoint: bool = True,
) -> Payment:
    """Post one receipt: accounts (by payment order) or misc revenue, paid by ``tenders``.

    ``deposits`` are security deposits taken for accounts at the same time: each is its
    own receipt line ("deposit"), held in the ledger's deposits held (never what the
    account owes); the drawer counts their tenders like any other.

    ``drawer`` None is the acting clerk's open drawer. The drawer, the business
    day and the receipt number are each read once (the day by the ledger writer).

    ``savepoint=False`` for a caller whose own transaction rolls back whole on a
    refusal (the counter's form flow, ``formflow.run_once``: the one-time token
    goes with it): no SAVEPOINT and RELEASE around the posting. The payment comes
    back with its receipt loaded (:func:`_receipt_loaded`), so the counter shows
    it without reading it again.
    """
    with transaction.atomic(savepoint=savepoint):
        return _take(drawer, tenders, acting_user, accounts, misc, payer, deposits)


def _take(
    drawer: Drawer | None,
    tenders: Sequence[TenderIn],
    acting_user: User,
    accounts: Sequence[AccountPart],
    misc: Sequence[MiscPart],
    payer: str,
    deposits: Sequence[AccountPart],
) -> Payment:
    require_perm(acting_user, "payments.take_payment")
    refuse_card_numbers(payer=payer)
    total = _check_parts(accounts, misc, deposits)
    change = _check_tenders(tenders, total)
    writer = writer_for(acting_user)
    drawer = own_open_drawer(drawer, acting_user, on=writer.business_date)
    locked = writer.lock([p.account for p in [*accounts, *deposits]])
    held_for, locked = locked[len(accounts) :], locked[: len(accounts)]
    _check_accounts(accounts, locked, tenders, writer.business_date)
    before = {a.pk: a.balance.amount for a in [*locked, *held_for]}
    paid, deposits, held_for, billed = _billed_deposits(
        writer, accounts, locked, deposits, held_for
    )
    number = next_number(f"payments.receipt.drawer.{drawer.pk}")
    label = f"{drawer.pk}-{number:05d}"
    cash = writer.chart.gl(GLRole.CASH)
    lines: list[Line] = []
    for part, account in paid:
        lines += payment_lines(writer, account, part.amount, cash)
    for part, account in zip(deposits, held_for, strict=True):
        lines += deposit_lines(writer, account, part.amount, cash)
    for item in misc:
        lines += [
            Line(gl_account=cash, amount=item.amount),
            Line(gl_account=item.item.gl_account, amount=-item.amount),
        ]
    kind = (
        TransactionKind.PAYMENT
        if paid
        else TransactionKind.DEPOSIT
        if deposits
        else TransactionKind.MISC_REVENUE
    )
    who = ", ".join(a.number for _p, a in paid) or ", ".join(m.item.name for m in misc)
    if held_for:
        who = ", ".join([*filter(None, [who]), *(f"deposit {a.number}" for a in held_for)])
    posted = writer.post_now(
        kind=kind, lines=lines, memo=f"Receipt {label}: {who}", source=f"receipt {label}"
    )
    payment = Payment.objects.create(
        drawer=drawer,
        receipt_number=number,
        business_date=writer.business_date,
        taken_by=acting_user,
        total=Money(total, CURRENCY),
        tendered=Money(sum((t.amount for t in tenders), ZERO), CURRENCY),
        change_due=Money(change, CURRENCY),
        payer=payer.strip()[:200],
        transaction=posted,
    )
    billed_deposits_received(
        [
            DepositReceived(
                p.account.pk, p.amount, posted.pk, writer.business_date, f"receipt {label}"
            )
            for p in billed
        ],
        acting_user,
    )
    rows = _save_lines(payment, [p for p, _a in paid], misc, deposits)
    saved_tenders = _save_tenders(payment, tenders)
    after = {pk: writer.account(pk).balance.amount for pk in before}
    return _receipt_loaded(payment, rows, saved_tenders, lines, before, after)


def _billed_deposits(
    writer: LedgerWriter,
    accounts: Sequence[AccountPart],
    locked: list[Account],
    deposits: Sequence[AccountPart],
    held_for: list[Account],
) -> tuple[list[tuple[AccountPart, Account]], list[AccountPart], list[Account], list[AccountPart]]:
    """Each account's part split where its bill asks for a security deposit
    (``billed_deposit``): what is paid to the accounts, the deposits (those asked for and
    the billed parts), the accounts holding them, and the billed parts alone. An account
    whose deposit is already on the receipt is not split."""
    splitter = BilledDeposits(writer)
    asked = {p.account.pk for p in deposits}
    paid: list[tuple[AccountPart, Account]] = []
    billed: list[AccountPart] = []
    for part, account in zip(accounts, locked, strict=True):
        to_deposit = ZERO if account.pk in asked else splitter.part(account, part.amount)
        if to_deposit > ZERO:
            billed.append(replace(part, account=account, amount=to_deposit))
        if part.amount > to_deposit:
            paid.append((replace(part, amount=part.amount - to_deposit), account))
    return paid, [*deposits, *billed], [*held_for, *(p.account for p in billed)], billed


def _cents(amount: Decimal) -> Decimal:
    """An amount as its money column gives it back (whole cents: ``12.3`` is ``12.30``)."""
    return amount.quantize(CENT)


def _receipt_loaded(
    payment: Payment,
    rows: list[PaymentLine],
    tenders: list[Tender],
    lines: Sequence[Line],
    before: dict[int, Decimal],
    after: dict[int, Decimal],
) -> Payment:
    """``payment`` as ``selectors.payment_for_receipt`` reads it, from what was just written.

    Its lines and tenders are the rows saved (amounts as the columns give them
    back); each account line carries ``paid_to`` (what this transaction's journal
    lines paid by service, as ``ledger.selectors.paid_by_service`` sums them) and
    ``balance_after`` (the balance its history row records: the locked balance
    after the posting, or None when the posting left it where it was and wrote no
    history row), and its account's balance is the one just written.
    ``tests/payments/test_receipt_loaded.py`` compares it with the selector's
    reading field by field.
    """
    paid: dict[int, dict[Service | None, Decimal]] = {}
    for line in lines:
        if line.account is not None:
            by_service = paid.setdefault(line.account.pk, {})
            by_service[line.service] = by_service.get(line.service, ZERO) + line.amount

    def order(item: tuple[Service | None, Decimal]) -> tuple[bool, int, str]:
        service = item[0]  # no service (credit) last, as NULLs sort in PostgreSQL
        return (service is None, service.payment_order if service else 0, _name(service))

    for row in rows:
        row.amount = Money(_cents(row.amount.amount), CURRENCY)
        if row.account_id is None:
            continue
        # The account as it is now (the lines name the form's reading, with its customer
        # and premise): what is offered after a payment depends on what it owes now.
        row.account.balance = Money(after[row.account_id], CURRENCY)  # type: ignore[union-attr]
        parts = sorted(paid.get(row.account_id, {}).items(), key=order)
        row.paid_to = [(_name(s), _cents(-total)) for s, total in parts if total]  # type: ignore[attr-defined]
        moved = after[row.account_id] != before[row.account_id]
        row.balance_after = _cents(after[row.account_id]) if moved else None  # type: ignore[attr-defined]
    for tender in tenders:
        tender.amount = Money(_cents(tender.amount.amount), CURRENCY)
    for name in ("total", "tendered", "change_due"):
        setattr(payment, name, Money(_cents(getattr(payment, name).amount), CURRENCY))
    payment._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "lines": _loaded(PaymentLine, rows),
        "tenders": _loaded(Tender, tenders),
    }
    Payment.returned.related.set_cached_value(payment, None)  # type: ignore[attr-defined]
    return payment


def _name(service: Service | None) -> str:
    return service.name if service is not None else UNAPPLIED


def _loaded(model: type[Any], rows: list[Any]) -> QuerySet[Any]:
    """A queryset that already holds ``rows`` (what ``prefetch_related`` leaves)."""
    found: QuerySet[Any] = model.objects.none()
    found._result_cache = rows  # type: ignore[attr-defined]
    found._prefetch_done = True  # type: ignore[attr-defined]
    return found


def _check_parts(
    accounts: Sequence[AccountPart], misc: Sequence[MiscPart], deposits: Sequence[AccountPart]
) -> Decimal:
    if not accounts and not misc and not deposits:
        raise refuse("account_0", "Enter the account being paid.")
    if (accounts or deposits) and misc:
        raise refuse(None, "A receipt pays accounts or miscellaneous revenue, not both.")
    if len({p.account.pk for p in deposits}) != len(deposits):
        raise refuse(deposits[0].field, "This account's deposit is already on the receipt.")
    paying = {p.account.pk for p in accounts}
    for part in deposits:
        if part.account.pk in paying:
            raise refuse(part.field, "Take the deposit on its own receipt, not with a payment.")
        amount_for(part.field, part.amount, what="Deposit")
    seen: set[int] = set()
    for part in accounts:
        if part.account.pk in seen:
            raise refuse(part.field, "This account is already listed on the payment.")
        seen.add(part.account.pk)
        amount_for(part.field.replace("account", "amount"), part.amount, what="Amount")
    for item in misc:
        refuse_card_numbers(description=item.description)
        amount_for("amount", item.amount)
    return (
        sum((p.amount for p in accounts), ZERO)
        + sum((m.amount for m in misc), ZERO)
        + sum((p.amount for p in deposits), ZERO)
    )


def _check_tenders(tenders: Sequence[TenderIn], total: Decimal) -> Decimal:
    """Refuse bad tenders; return the change due (only ever from cash)."""
    if not tenders:
        raise refuse("cash_amount", "Enter how the customer paid.")
    for tender in tenders:
        _check_tender(tender)
    paid = sum((t.amount for t in tenders), ZERO)
    cash = sum((t.amount for t in tenders if t.kind == TenderKind.CASH), ZERO)
    other = paid - cash
    if other > total:
        field = next(TENDER_FIELDS[t.kind][0] for t in tenders if t.kind != TenderKind.CASH)
        raise refuse(
            field, f"Checks, money orders and cards ({other}) cannot exceed the {total} applied."
        )
    if paid < total:
        short = total - other
        raise refuse("cash_amount", f"Cash tendered ({cash}) is less than the {short} left to pay.")
    return paid - total


def _check_tender(tender: TenderIn) -> None:
    amount_field, ref_field = TENDER_FIELDS[tender.kind]
    amount_for(amount_field, tender.amount, what=f"{TenderKind(tender.kind).label} amount")
    for value in (tender.reference, tender.card_last4, tender.card_brand):
        if looks_like_card_number(value):
            raise refuse(ref_field or amount_field, CARD_NUMBER_MESSAGE)
    if tender.kind == TenderKind.CHECK and not tender.reference.strip():
        raise refuse(ref_field, "Enter the check number.")
    if tender.kind == TenderKind.MONEY_ORDER and not tender.reference.strip():
        raise refuse(ref_field, "Enter the money order serial number.")
    if tender.kind == TenderKind.CARD:
        if not tender.card_brand:
            raise refuse("card_brand", "Choose the card brand shown by the terminal.")
        if not re.fullmatch(r"\d{4}", tender.card_last4):
            raise refuse("card_last4", "Enter only the last four digits of the card.")
        if not _AUTH_CODE.match(tender.reference):
            raise refuse("card_auth", "Enter the terminal's authorisation code (letters, digits).")


def _check_accounts(
    parts: Sequence[AccountPart], locked: list[Account], tenders: Sequence[TenderIn], on: Any
) -> None:
    for part, account in zip(parts, locked, strict=True):
        if account.status == AccountStatus.CLOSED:
            raise refuse(part.field, f"Account {account.number} is closed; it takes no payments.")
        refused = [t for t in tenders if t.kind not in CASH_ONLY_TENDERS]
        if refused and is_cash_only(account, on=on):
            field = TENDER_FIELDS[refused[0].kind][0]
            raise refuse(
                field,
                f"Account {account.number} is cash only: take cash or a money order, "
                "not a check or card.",
            )


def _save_lines(
    payment: Payment,
    accounts: Sequence[AccountPart],
    misc: Sequence[MiscPart],
    deposits: Sequence[AccountPart],
) -> list[PaymentLine]:
    rows = (
        [
            PaymentLine(payment=payment, account=p.account, amount=Money(p.amount, CURRENCY))
            for p in accounts
        ]
        + [
            PaymentLine(
                payment=payment,
                account=p.account,
                amount=Money(p.amount, CURRENCY),
                is_deposit=True,
            )
            for p in deposits
        ]
        + [
            PaymentLine(
                payment=payment,
                misc_item=m.item,
                description=m.description[:200],
                amount=Money(m.amount, CURRENCY),
            )
            for m in misc
        ]
    )
    return PaymentLine.objects.bulk_create(rows)


def _save_tenders(payment: Payment, tenders: Sequence[TenderIn]) -> list[Tender]:
    return Tender.objects.bulk_create(
        Tender(
            payment=payment,
            kind=t.kind,
            amount=Money(t.amount, CURRENCY),
            reference=t.reference.strip()[:30],
            card_brand=t.card_brand,
            card_last4=t.card_last4,
        )
        for t in tenders
    )


@transaction.atomic
def receipt_printed(*, payment: Payment, acting_user: User) -> bool:
    """Count a print of the receipt; True when it is the original (the first print)."""
    require_perm(acting_user, "payments.view_payment")
    Payment.objects.filter(pk=payment.pk).update(prints=F("prints") + 1)
    prints = Payment.objects.values_list("prints", flat=True).get(pk=payment.pk)
    return prints == 1
