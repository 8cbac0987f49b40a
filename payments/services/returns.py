"""Returned payments: a check the bank sends back, a card chargeback, an electronic return.

Recorded after the payment's day closed (the same day is a void). In one
transaction: the payment's journal transaction is reversed in the open day, a
returned-payment fee from the active ``ReturnFeeSchedule`` is charged (service
RPF) to the account that received the most of the payment, a system note goes on
every account paid, and an account with enough returns inside the schedule's
window is flagged cash only.

Only the returned tender comes back: a returned check takes back the receipt's
checks and money orders, a chargeback its card payments, an electronic return
the whole receipt. When that is less than the receipt, only that much of its
transaction is reversed (``ledger.services.reverse_part``): the last-paid
accounts and services are owed again first, so the part paid by the other
tenders (the cash beside a bounced check) stays paid, with the receipt's first
accounts; a misc-revenue receipt keeps that part as revenue. The fee is on the
returned amount.

Who: coordinators and supervisors (``payments.record_return``); they also hold
``accounts.manage_account_flags``, which the cash-only flag needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from djmoney.money import Money

from accounts import services as account_services
from accounts.choices import AccountStatus, FlagKind
from accounts.models import Account, AccountFlag
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.money import CURRENCY, ZERO
from billing_site.common.roles import require_perm
from ledger.choices import TransactionKind
from ledger.models import JournalTransaction, Service
from ledger.services import post_charges, reverse_part, reverse_transaction

from ..choices import ItemStatus, PaymentStatus, ReturnKind, TenderKind
from ..fees import returned_payment_fee, rule_of
from ..models import Payment, RemittanceItem, ReturnedPayment, ReturnFeeSchedule
from ._common import refuse, today
from .billed_deposit import deposit_reversals_record

FEE_SERVICE = "RPF"


@dataclass
class _Returnable:
    label: str
    transaction: JournalTransaction
    business_date: date
    total: Decimal
    parts: list[tuple[Account, Decimal]]
    tender_kinds: set[str]
    tender_totals: dict[str, Decimal]

    def returned_amount(self, kind: str) -> Decimal:
        """What the bank or processor takes back: the tenders of the kind returned."""
        by_kind: dict[str, set[TenderKind]] = {
            ReturnKind.RETURNED_CHECK: {TenderKind.CHECK, TenderKind.MONEY_ORDER},
            ReturnKind.CHARGEBACK: {TenderKind.CARD},
        }
        kinds = by_kind.get(kind)
        if kinds is None:  # an electronic return: the whole payment
            return self.total
        paid = sum((v for k, v in self.tender_totals.items() if k in kinds), ZERO)
        return min(paid, self.total)

    def kept_parts(self, kept: Decimal) -> list[tuple[Account, Decimal]]:
        """The accounts that keep ``kept`` (the other tenders), in the receipt's order."""
        parts = []
        for account, amount in self.parts:
            if kept <= ZERO:
                break
            part = min(amount, kept)
            parts.append((account, part))
            kept -= part
        return parts


@transaction.atomic
def payment_return(
    *,
    kind: str,
    reason: str,
    acting_user: User,
    payment: Payment | None = None,
    item: RemittanceItem | None = None,
) -> ReturnedPayment:
    """Record a returned receipt (``payment``) or batch item (``item``)."""
    require_perm(
        acting_user,
        "payments.record_return",
        "ledger.post_transaction",
        "accounts.manage_account_flags",
    )
    if kind not in ReturnKind.values:
        raise refuse("kind", "Choose what kind of return this is.")
    refuse_card_numbers(reason=reason)
    if not reason.strip():
        raise refuse("reason", "Say why the payment came back (the bank's reason).")
    target = _returnable(payment, item, kind)
    on = today()
    if target.business_date >= on:
        raise refuse(None, "This payment was taken today: a supervisor voids it instead.")
    memo = f"{ReturnKind(kind).label} - {target.label}: {reason.strip()}"
    returned_amount = target.returned_amount(kind)
    if returned_amount >= target.total:
        reversal = reverse_transaction(
            original=target.transaction, memo=memo[:500], acting_user=acting_user
        )
    else:  # only the returned tender: what the other tenders paid stays paid
        reversal = reverse_part(
            original=target.transaction,
            amount=returned_amount,
            memo=memo[:500],
            acting_user=acting_user,
        )
    deposit_reversals_record(
        original=target.transaction, reversal=reversal, why=memo, acting_user=acting_user
    )
    fee, fee_account, fee_txn = _charge_fee(target, returned_amount, kind, acting_user)
    returned = ReturnedPayment.objects.create(
        payment=payment,
        item=item,
        kind=kind,
        reason=reason.strip()[:500],
        business_date=on,
        recorded_by=acting_user,
        amount=Money(returned_amount, CURRENCY),
        reversal=reversal,
        fee=Money(fee, CURRENCY),
        fee_account=fee_account,
        fee_transaction=fee_txn,
    )
    _mark_returned(payment, item)
    returned.made_cash_only = _follow_up(target, returned, acting_user)
    returned.save(update_fields=["made_cash_only"])
    return returned


def _returnable(payment: Payment | None, item: RemittanceItem | None, kind: str) -> _Returnable:
    if (payment is None) == (item is None):
        raise refuse(None, "Name one receipt or one batch item to return.")
    if payment is not None:
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PaymentStatus.POSTED:
            raise refuse(None, f"Receipt {payment.receipt_label} is {payment.status}.")
        lines = payment.lines.select_related("account").filter(account__isnull=False)
        target = _Returnable(
            label=f"receipt {payment.receipt_label}",
            transaction=payment.transaction,
            business_date=payment.business_date,
            total=payment.total.amount,
            parts=[(line.account, line.amount.amount) for line in lines],  # type: ignore[misc]
            tender_kinds=set(payment.tenders.values_list("kind", flat=True)),
            tender_totals=_tender_totals(payment),
        )
    else:
        locked = RemittanceItem.objects.select_for_update(of=("self",)).select_related(
            "batch", "account"
        )
        item = locked.get(pk=item.pk)  # type: ignore[union-attr]
        if item.status != ItemStatus.POSTED or item.transaction is None:
            raise refuse(None, f"Batch item {item.label} is not a posted payment.")
        target = _Returnable(
            label=item.label,
            transaction=item.transaction,
            business_date=item.business_date,  # type: ignore[arg-type]
            total=item.amount.amount,
            parts=[(item.account, item.amount.amount)],  # type: ignore[list-item]
            tender_kinds={TenderKind.CHECK},
            tender_totals={TenderKind.CHECK: item.amount.amount},
        )
    _check_kind(kind, target.tender_kinds)
    return target


def _tender_totals(payment: Payment) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for kind, amount in payment.tenders.values_list("kind", "amount"):
        totals[kind] = totals.get(kind, ZERO) + amount
    return totals


def _check_kind(kind: str, tenders: set[str]) -> None:
    if kind == ReturnKind.CHARGEBACK and TenderKind.CARD not in tenders:
        raise refuse("kind", "A chargeback is of a card payment; this one had no card.")
    paper = {TenderKind.CHECK, TenderKind.MONEY_ORDER}
    if kind == ReturnKind.RETURNED_CHECK and not tenders & paper:
        raise refuse("kind", "A returned check needs a check or money order on the payment.")


def active_schedule() -> ReturnFeeSchedule | None:
    return ReturnFeeSchedule.objects.prefetch_related("tiers").filter(is_active=True).first()


def _charge_fee(
    target: _Returnable, returned_amount: Decimal, kind: str, acting_user: User
) -> tuple[Decimal, Account | None, JournalTransaction | None]:
    schedule = active_schedule()
    account = _fee_account(target)
    if schedule is None or account is None:
        return ZERO, None, None
    fee = returned_payment_fee(returned_amount, rule_of(schedule))
    if fee <= ZERO:
        return ZERO, None, None
    service = Service.objects.select_related("receivable_gl", "revenue_gl").get(code=FEE_SERVICE)
    txn = post_charges(
        account=account,
        charges=[(service, fee)],
        memo=f"Returned-payment fee: {ReturnKind(kind).label.lower()} of {target.label}",
        acting_user=acting_user,
        source=target.label,
        kind=TransactionKind.FEE,
    )
    return fee, account, txn


def _fee_account(target: _Returnable) -> Account | None:
    """The open account that received the largest part of the payment (first on a tie)."""
    open_parts = [
        (account, amount)
        for account, amount in target.parts
        if Account.objects.get(pk=account.pk).status != AccountStatus.CLOSED
    ]
    if not open_parts:
        return None
    return max(open_parts, key=lambda part: part[1])[0]


def _mark_returned(payment: Payment | None, item: RemittanceItem | None) -> None:
    if payment is not None:
        Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.RETURNED)
    if item is not None:
        RemittanceItem.objects.filter(pk=item.pk).update(status=ItemStatus.RETURNED)


def returns_of_account(account: Account, *, since: date) -> int:
    return (
        ReturnedPayment.objects.filter(
            Q(payment__lines__account=account) | Q(item__account=account),
            business_date__gte=since,
        )
        .distinct()
        .count()
    )


def _follow_up(target: _Returnable, returned: ReturnedPayment, acting_user: User) -> bool:
    """Note every account paid; flag cash only where the schedule's threshold is reached."""
    schedule = active_schedule()
    made = False
    back = returned.amount.amount
    kept = {account.pk: part for account, part in target.kept_parts(target.total - back)}
    for account, amount in target.parts:
        text = (
            f"{returned.get_kind_display()} on {returned.business_date}: {target.label} of "
            f"{target.business_date} for {target.total} (this account {amount}); "
            f"{back} came back. Reason: {returned.reason}."
        )
        if kept.get(account.pk):
            text += f" {kept[account.pk]} paid by other tenders stays paid."
        if returned.fee_account_id == account.pk:
            text += f" Returned-payment fee {returned.fee.amount} charged."
        if schedule is not None and _reaches_cash_only(account, schedule, returned.business_date):
            made |= _flag_cash_only(account, schedule, returned.business_date, acting_user)
            text += " The account is now cash only."
        account_services.system_note(account=account, text=text, acting_user=acting_user)
    return made


def _reaches_cash_only(account: Account, schedule: ReturnFeeSchedule, on: date) -> bool:
    if schedule.cash_only_after <= 0:
        return False
    since = on - timedelta(days=schedule.window_days - 1)
    return returns_of_account(account, since=since) >= schedule.cash_only_after


def _flag_cash_only(
    account: Account, schedule: ReturnFeeSchedule, on: date, acting_user: User
) -> bool:
    current = AccountFlag.objects.filter(
        account=account, kind=FlagKind.CASH_ONLY, cleared_at__isnull=True
    ).first()
    if current is not None and current.is_in_force(on):
        return False
    if current is not None:  # expired but never cleared
        account_services.flag_clear(
            flag=current, reason="Expired; set again after another return", acting_user=acting_user
        )
    days = schedule.cash_only_days
    account_services.flag_set(
        account=account,
        kind=FlagKind.CASH_ONLY,
        reason=f"{schedule.cash_only_after} returned payments within {schedule.window_days} days",
        expires_on=on + timedelta(days=days) if days else None,
        acting_user=acting_user,
    )
    return True
