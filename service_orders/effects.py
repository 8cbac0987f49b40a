"""What completing each kind of order does, through the owning apps' services.

* start: the initial read is recorded and the pending account becomes active (its
  agreements bill from their start date; the next cycle's bill is prorated);
* stop: the forwarding address is set, the final read recorded and the final bill
  posted at once (``billing.bills.final.stop_service``), whose after-final-bill hook
  (collections) applies the deposit held to it and refunds the rest: not done here again;
* transfer: a stop and a start at one premise on one date in one transaction: the
  outgoing account's final read and final bill (its hook applies the deposit), then the
  incoming account active from that same read, and the deposit rule started for it;
* disconnect: refused (recomputed the moment it is worked) while the account owes
  nothing, has a payment plan in good standing, or has a do-not-disconnect or
  medical-need flag in force; else a system note records the shut-off;
* reconnect: the reconnect fee (and the after-hours fee outside office hours) is
  posted as one-time charges from the fee list, and the read recorded;
* meter test: accuracy at low, medium and high flow; outside 98.5-101.5 % a meter
  change order follows and the outcome asks for a billing adjustment request;
* meter change: the old meter's final read and the new meter's initial read on one
  day (``billing.services.agreements.meter_change``), so consumption continues;
* re-read: the reading goes through the read checks like any read: stored, or back in
  the read exceptions queue;
* notice, investigate: a system note on the account.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.choices import AccountStatus, FlagKind
from accounts.models import Account, AccountFlag
from accounts.services import account_change_status, account_set_forwarding_address, system_note
from billing.bills.final import stop_service
from billing.choices import ReadKind
from billing.models import MeterRead, MiscFee
from billing.services.agreements import meter_change
from billing.services.one_time import post_one_time_charge
from billing.services.reads import meter_read_record, read_exception_reread_done
from collections_app import hooks as collections_hooks
from collections_app.services.deposit_rule import deposit_rule_start
from ledger import selectors as ledger_selectors

from .choices import TOLERANCE_HIGH, TOLERANCE_LOW, OrderKind, ResultCode
from .models import ServiceOrder

RECONNECT_FEE = "reconnect"
AFTER_HOURS_FEE = "after-hours-restore"
OFFICE_HOURS = (8, 17)  # local hours; a reconnect outside them draws the after-hours fee
Outcome = tuple[str, str | None]


def disconnect_refusals(accounts: Sequence[Account], *, on: date) -> dict[int, str]:
    """Why each of ``accounts`` may not be disconnected today (absent: it may)."""
    ids = [a.pk for a in accounts]
    why: dict[int, str] = {}
    for a in accounts:
        if a.balance.amount <= 0:
            why[a.pk] = "The account owes nothing."
    for pk in collections_hooks.plans_in_good_standing(ids):
        why.setdefault(pk, "The account has a payment plan in good standing.")
    flags = AccountFlag.objects.filter(
        account_id__in=ids, cleared_at__isnull=True,
        kind__in=[FlagKind.DO_NOT_DISCONNECT, FlagKind.MEDICAL_NEED],
    )  # fmt: skip
    for f in flags:
        if f.is_in_force(on):
            until = f" until {f.expires_on:%b %-d, %Y}" if f.expires_on else ""
            why.setdefault(f.account_id, f"{f.get_kind_display()}{until}.")
    return why


def _read(order: ServiceOrder, user: User, kind: str = ReadKind.ACTUAL) -> str:
    return _read_stored(order, user, kind)[0]


def _read_stored(
    order: ServiceOrder, user: User, kind: str = ReadKind.ACTUAL
) -> tuple[str, MeterRead | None]:
    if order.meter is None or order.reading is None:
        return "", None
    stored = meter_read_record(
        meter=order.meter, read_date=timezone.localdate(), reading=order.reading, kind=kind,
        source=f"service order {order.number}", acting_user=user,
    )  # fmt: skip
    if isinstance(stored, MeterRead):
        return f"Read {stored.reading} stored.", stored
    return f"Read {order.reading} sent to the read exceptions queue ({stored.message}).", None


def _start(order: ServiceOrder, user: User) -> Outcome:
    note = _read(order, user, ReadKind.INITIAL)
    account_change_status(
        account=order.account, to=AccountStatus.ACTIVE, acting_user=user,
        reason=f"service started, order {order.number}",
    )  # fmt: skip
    return f"Service started; account active. {note} {_deposit_rule(order, user)}".strip(), None


def _deposit_rule(order: ServiceOrder, user: User) -> str:
    return _deposit_rule_for(order.account, order, user)


def _deposit_rule_for(account: Account, order: ServiceOrder, user: User) -> str:
    """Collections' deposit rule, started with the service: how much is required."""
    required = deposit_rule_start(
        account=account, reason=f"service started, order {order.number}", acting_user=user
    )
    if required is None:
        return "No deposit required."
    return f"Deposit of ${required.amount} required."


def _stop(order: ServiceOrder, user: User) -> Outcome:
    if order.forwarding_line1:
        account_set_forwarding_address(
            account=order.account, line1=order.forwarding_line1, city=order.forwarding_city,
            state=order.forwarding_state, zip_code=order.forwarding_zip, acting_user=user,
            reason=f"service stopped, order {order.number}",
        )  # fmt: skip
    if order.meter is None or order.reading is None:
        raise ValidationError({"reading": "Enter the final reading."})
    held = ledger_selectors.deposit_held(order.account_id)
    bill = stop_service(
        account=order.account, on=timezone.localdate(), acting_user=user,
        readings=[(order.meter, order.reading)],
    )  # fmt: skip
    outcome = f"Final bill {bill.number} posted ({bill.amount_due}); account final."
    if held > 0:  # the final bill's own hook applied it (collections), not this order
        outcome += f" Deposit ${held} applied to the final bill, any rest refunded."
    return outcome, None


def _transfer(order: ServiceOrder, user: User) -> Outcome:
    """The move-out's final read and final bill, then the move-in from that same read: the
    meter's one read on the day is the outgoing account's final read and the incoming
    account's initial read (a second read of the same reading would be a zero-use
    exception), all in ``order_complete``'s transaction."""
    incoming = order.incoming_account
    if incoming is None:
        raise ValidationError("The transfer names no incoming account.")
    stopped, _ = _stop(order, user)
    account_change_status(
        account=incoming, to=AccountStatus.ACTIVE, acting_user=user,
        reason=f"moved in, transfer order {order.number}",
    )  # fmt: skip
    deposit = _deposit_rule_for(incoming, order, user)
    return (
        f"Transfer: {order.account.number} out ({stopped}) {incoming.number} in, active from "
        f"the same read {order.reading}. {deposit}"
    ), None


def _disconnect(order: ServiceOrder, user: User) -> Outcome:
    account = Account.objects.get(pk=order.account_id)  # the balance as of now
    refused = disconnect_refusals([account], on=timezone.localdate())
    if account.pk in refused:
        raise ValidationError(f"Do not disconnect: {refused[account.pk]} Cancel the order.")
    note = _read(order, user)
    text = f"Service disconnected for non-payment (order {order.number}). {note}".strip()
    system_note(account=account, text=text, acting_user=user)
    return text, None


def _after_hours(now: datetime) -> bool:
    local = timezone.localtime(now)
    return local.weekday() >= 5 or not OFFICE_HOURS[0] <= local.hour < OFFICE_HOURS[1]


def _reconnect(order: ServiceOrder, user: User) -> Outcome:
    codes = [RECONNECT_FEE] + ([AFTER_HOURS_FEE] if _after_hours(timezone.now()) else [])
    posted = []
    for fee in MiscFee.objects.filter(code__in=codes, is_active=True).order_by("pk"):
        post_one_time_charge(
            account=order.account, fee=fee, acting_user=user,
            reason=f"{fee.name} (service order {order.number})", source=f"SO {order.number}",
        )  # fmt: skip
        posted.append(f"{fee.name} {fee.amount}")
    note = _read(order, user)
    fees = f" Fees: {', '.join(posted)}." if posted else ""
    return f"Service reconnected.{fees} {note}".strip(), None


def _meter_test(order: ServiceOrder, user: User) -> Outcome:
    flows = (order.accuracy_low, order.accuracy_medium, order.accuracy_high)
    if any(v is None for v in flows):
        raise ValidationError({"accuracy_low": "Enter the accuracy at each of the three flows."})
    shown = " / ".join(f"{v}%" for v in flows)
    if all(TOLERANCE_LOW <= v <= TOLERANCE_HIGH for v in flows if v is not None):
        return f"Meter within tolerance ({shown}).", None
    text = (
        f"Meter outside tolerance ({shown}): change the meter and request a billing "
        "adjustment for the affected period."
    )
    system_note(account=order.account, text=text, acting_user=user)
    return text, OrderKind.METER_CHANGE


def _meter_change(order: ServiceOrder, user: User) -> Outcome:
    if order.new_meter is None or order.reading is None or order.new_reading is None:
        raise ValidationError({"new_reading": "Enter the old meter's and the new meter's reads."})
    assert order.meter is not None
    meter_change(
        old=order.meter, final_reading=order.reading, new=order.new_meter,
        initial_reading=order.new_reading, on=timezone.localdate(), acting_user=user,
    )  # fmt: skip
    return (
        f"Meter {order.meter} (final {order.reading}) replaced by {order.new_meter} "
        f"(initial {order.new_reading}).",
        None,
    )


def _reread(order: ServiceOrder, user: User) -> Outcome:
    if order.reading is None:
        raise ValidationError({"reading": "Enter the reading."})
    text, stored = _read_stored(order, user)
    if order.read_exception is not None:
        resolved = read_exception_reread_done(
            exception=order.read_exception, read=stored, acting_user=user,
            reason=f"re-read by service order {order.number}: {text}",
        )  # fmt: skip
        if resolved is not None:
            text += f" Read exception {resolved.pk} resolved."
    return text, None


def _noted(order: ServiceOrder, user: User) -> Outcome:
    result = ResultCode(order.result_code).label if order.result_code else "Done"
    text = f"{order.get_kind_display()} (order {order.number}): {result}. {order.result_notes}"
    system_note(account=order.account, text=text.strip()[:500], acting_user=user)
    return text.strip(), None


EFFECTS: dict[str, Callable[[ServiceOrder, User], Outcome]] = {
    OrderKind.START: _start,
    OrderKind.STOP: _stop,
    OrderKind.TRANSFER: _transfer,
    OrderKind.DISCONNECT: _disconnect,
    OrderKind.RECONNECT: _reconnect,
    OrderKind.METER_TEST: _meter_test,
    OrderKind.METER_CHANGE: _meter_change,
    OrderKind.REREAD: _reread,
    OrderKind.NOTICE: _noted,
    OrderKind.INVESTIGATE: _noted,
}


def complete(*, order: ServiceOrder, acting_user: User) -> Outcome:
    """Do the order's effect; returns what it did and the kind of a follow-up order."""
    if order.result_code == ResultCode.NO_ACCESS:
        return "No access: nothing done at the premise.", None
    return EFFECTS[order.kind](order, acting_user)
