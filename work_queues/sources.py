"""Where each system kind's causes are read: one :class:`Source` per kind.

A source answers two questions through the owning app's models and selectors (never
its internals): which causes are open now (``causes``), and, for causes that are gone,
what became of them and who did it (``closings``). ``work_queues.services.work_items_sync``
turns the answers into items. ``watches`` names the models whose saves may open or
close a cause, and which source keys a saved row touches (``None``: the whole kind).

What closes an item where the owning app has no "resolved" state is said on each
source and in docs/work_queues.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Model, OuterRef, QuerySet

from accounts.models import Account
from adjustments.choices import RefundStatus, RequestStatus
from adjustments.models import AdjustmentRequest
from adjustments.refund_models import Refund
from billing.bills.register import exceptions as bill_exceptions
from billing.choices import BillRunStatus, BillStatus, ExceptionStatus
from billing.models import Bill, BillRun, ReadException, ReadImport
from billing_site.common.counter_day import counter_date
from collections_app import plan_selectors
from collections_app.choices import PlanStatus, WriteOffStatus
from collections_app.models import PaymentPlan, Referral, SecurityDeposit, WriteOff
from collections_app.plan_rules import plan_rules
from collections_app.referral_selectors import referral_candidates
from collections_app.services.deposits import refund_review
from payments.choices import ItemStatus as RemitStatus
from payments.choices import PaymentStatus
from payments.models import (
    Payment,
    PaymentLine,
    RemittanceBatch,
    RemittanceItem,
    ReturnedPayment,
)
from service_orders.choices import ACTIVE_STATUSES, OrderKind
from service_orders.models import ServiceOrder

from .choices import Priority
from .kinds import KINDS


@dataclass(frozen=True)
class Cause:
    key: str
    account_id: int | None
    why: str
    due_on: dt.date | None
    priority: int = Priority.NORMAL


@dataclass(frozen=True)
class Closing:
    note: str  # "approved in adjustments by carol"
    user_id: int | None


KeysOf = Callable[[Any, bool], list[str] | None]  # (saved row, created) -> keys touched


@dataclass
class Source:
    kind: str
    causes: Callable[[list[str] | None], dict[str, Cause]]
    closings: Callable[[list[str]], dict[str, Closing]] = lambda keys: {}
    watches: dict[type[Model], KeysOf] = field(default_factory=dict)


def pk_of(key: str) -> int:
    return int(key.split("/")[0].rpartition(":")[2])


def _pks(keys: list[str] | None) -> list[int] | None:
    return None if keys is None else [pk_of(k) for k in keys]


def _only(qs: QuerySet[Any], keys: list[str] | None) -> QuerySet[Any]:
    pks = _pks(keys)
    return qs if pks is None else qs.filter(pk__in=pks)


def _days(when: dt.datetime | dt.date | None, days: int) -> dt.date | None:
    if when is None:
        return None
    day = when.date() if isinstance(when, dt.datetime) else when
    return day + dt.timedelta(days=days)


def _by(user: Any) -> str:
    return f" by {user.username}" if user is not None else ""


def _closings_of(
    prefix: str, qs: QuerySet[Any], app: str, say: Callable[[Any], tuple[str, Any]]
) -> Callable[[list[str]], dict[str, Closing]]:
    """For model-backed sources: each gone cause's row says what became of it and who."""

    def closings(keys: list[str]) -> dict[str, Closing]:
        found = {}
        for row in qs.filter(pk__in=[pk_of(k) for k in keys]):
            what, user = say(row)
            found[f"{prefix}:{row.pk}"] = Closing(
                f"{what} in {app}{_by(user)}", getattr(user, "pk", None)
            )
        return found

    return closings


def _own_key(prefix: str, opens: Callable[[Any], bool]) -> KeysOf:
    """A row that is its own cause: a new row matters only if it opens one."""
    return lambda row, created: [f"{prefix}:{row.pk}"] if opens(row) or not created else []


# -- approvals -------------------------------------------------------------------


def _adjustments(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(AdjustmentRequest.objects.filter(status=RequestStatus.PENDING), keys)
    return {
        f"adjustment_request:{r.pk}": Cause(
            f"adjustment_request:{r.pk}", r.account_id,
            f"{r.get_kind_display()} request {r.number} ({r.amount}) waits for approval: "
            f"{r.memo}"[:500],
            _days(r.submitted_at or r.requested_at, 2),
        )
        for r in rows
    }  # fmt: skip


def _voids(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(
        Payment.objects.filter(void_requested_at__isnull=False, status=PaymentStatus.POSTED),
        keys,
    ).prefetch_related("lines")
    found = {}
    for p in rows:
        account = next((line.account_id for line in p.lines.all() if line.account_id), None)
        found[f"payment:{p.pk}"] = Cause(
            f"payment:{p.pk}", account,
            f"Void of receipt {p.receipt_number} ({p.total}) requested: "
            f"{p.void_request_reason}"[:500],
            _days(p.void_requested_at, 0), Priority.HIGH,
        )  # fmt: skip
    return found


def _refunds(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(Refund.objects.filter(status=RefundStatus.PENDING), keys)
    return {
        f"refund:{r.pk}": Cause(
            f"refund:{r.pk}", r.account_id,
            f"Refund {r.number} of {r.amount} to {r.payee_name} waits for approval"[:500],
            _days(r.requested_at, 3),
        )
        for r in rows
    }  # fmt: skip


def _plan_overrides(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(PaymentPlan.objects.filter(status=PlanStatus.PENDING), keys)
    return {
        f"payment_plan:{p.pk}": Cause(
            f"payment_plan:{p.pk}", p.account_id,
            f"Payment plan {p.pk} outside the rules waits for an override: "
            f"{p.override_reason}"[:500],
            _days(p.created_at, 2),
        )
        for p in rows
    }  # fmt: skip


def _write_offs(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(WriteOff.objects.filter(status=WriteOffStatus.PENDING), keys)
    return {
        f"write_off:{w.pk}": Cause(
            f"write_off:{w.pk}", w.account_id,
            f"Write-off of {w.amount} waits for approval: {w.reason}"[:500],
            _days(w.requested_at, 5),
        )
        for w in rows
    }  # fmt: skip


def _decided(row: Any) -> tuple[str, Any]:
    status = row.get_status_display().lower()
    who = row.decided_by if row.decided_by_id else getattr(row, "requested_by", None)
    return status, who


def _void_closed(p: Any) -> tuple[str, Any]:
    if p.status == PaymentStatus.VOID:
        return "voided", p.voided_by
    return "void declined or withdrawn", None


# -- exceptions ------------------------------------------------------------------


def _lockbox(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(RemittanceItem.objects.filter(status=RemitStatus.EXCEPTION), keys)
    return {
        f"remittance_item:{i.pk}": Cause(
            f"remittance_item:{i.pk}", i.account_id,
            f"Batch {i.batch.number} line {i.line_number} ({i.amount}, account "
            f"{i.account_text!r}): {i.problem}"[:500],
            _days(i.batch.created_at, 1),
        )
        for i in rows.select_related("batch")
    }  # fmt: skip


def _reads(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(ReadException.objects.filter(status=ExceptionStatus.OPEN), keys)
    return {
        f"read_exception:{r.pk}": Cause(
            f"read_exception:{r.pk}", r.account_id,
            f"Meter {r.meter_number} read {r.read_date:%b %-d}: {r.message}"[:500],
            _days(r.created_at, 2),
        )
        for r in rows
    }  # fmt: skip


def _resolved(row: Any) -> tuple[str, Any]:
    return row.get_status_display().lower(), row.resolved_by


IN_REVIEW = [BillRunStatus.CALCULATING, BillRunStatus.REVIEW]


def _bill_errors(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(Bill.objects.filter(status=BillStatus.ERROR, run__status__in=IN_REVIEW), keys)
    return {
        f"bill:{b.pk}": Cause(
            f"bill:{b.pk}", b.account_id,
            f"Bill run {b.run_id}: account cannot be billed: {b.error}"[:500],
            b.run.bill_date,
        )
        for b in rows.select_related("run")
    }  # fmt: skip


def _high_bills(keys: list[str] | None) -> dict[str, Cause]:
    drafts = _only(
        Bill.objects.filter(status=BillStatus.DRAFT, run__status=BillRunStatus.REVIEW), keys
    )
    high = bill_exceptions(list(drafts.select_related("run").order_by("pk")))["high"]
    return {
        f"bill:{b.pk}": Cause(
            f"bill:{b.pk}", b.account_id,
            f"Bill run {b.run_id}: new charges {b.new_charges} are over the usual",
            b.run.bill_date,
        )
        for b in high
    }  # fmt: skip


def _bill_closed(b: Any) -> tuple[str, Any]:
    if b.run.status == BillRunStatus.POSTED:
        return "run posted", b.run.post_started_by
    if b.status == BillStatus.EXCLUDED:
        return "excluded from the run", None
    return "recalculated", None


def _batch_rows(batch: Any, created: bool) -> list[str]:
    """A lockbox batch moved on (its import task finished a stage): its rows, which the
    import writes in bulk without signals, are looked at."""
    if created:
        return []
    rows = RemittanceItem.objects.filter(batch_id=batch.pk, status=RemitStatus.EXCEPTION)
    return [f"remittance_item:{pk}" for pk in rows.values_list("pk", flat=True)]


def _import_rows(read_import: Any, created: bool) -> list[str]:
    """A read import moved on: its exceptions (written in bulk) are looked at."""
    if created:
        return []
    rows = ReadException.objects.filter(read_import_id=read_import.pk, status=ExceptionStatus.OPEN)
    return [f"read_exception:{pk}" for pk in rows.values_list("pk", flat=True)]


def _run_touched(run: Any, created: bool) -> list[str] | None:
    return [] if created else None  # a run moved on: its bills' items are looked at again


# -- follow-ups the apps have no "resolved" state for ------------------------------


def _paid_since() -> Any:
    """A payment on the return's account taken after the return was recorded."""
    return PaymentLine.objects.filter(
        account_id=OuterRef("fee_account_id"),
        payment__status=PaymentStatus.POSTED,
        payment__taken_at__gt=OuterRef("recorded_at"),
    )


def _returns(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(ReturnedPayment.objects.filter(~Exists(_paid_since())), keys)
    return {
        f"returned_payment:{r.pk}": Cause(
            f"returned_payment:{r.pk}", r.fee_account_id,
            f"{r.get_kind_display()} of {r.amount}: {r.reason}; ask the customer to pay again"[
                :500
            ],
            _days(r.business_date, 3),
        )
        for r in rows
    }  # fmt: skip


def _return_closed(_r: Any) -> tuple[str, Any]:
    return "paid again", None


def _deposits(keys: list[str] | None) -> dict[str, Cause]:
    today = counter_date()
    pks = _pks(keys)
    return {
        f"security_deposit:{dep.pk}": Cause(
            f"security_deposit:{dep.pk}", account.pk,
            f"Deposit of {held} held since {dep.taken_on:%b %-d, %Y} with good history: "
            "apply or refund it",
            today + dt.timedelta(days=10),
        )
        for account, held, dep in refund_review(today=today)
        if pks is None or dep.pk in pks
    }  # fmt: skip


def _deposit_closed(dep: Any) -> tuple[str, Any]:
    return (f"returned ({dep.returned_how})" if dep.returned_on else "no longer due"), None


def _deposit_refunded(refund: Any, created: bool) -> list[str] | None:
    held = SecurityDeposit.objects.filter(account_id=refund.account_id)
    return [f"security_deposit:{pk}" for pk in held.values_list("pk", flat=True)]


def _installments(keys: list[str] | None) -> dict[str, Cause]:
    today, grace = counter_date(), plan_rules()["grace_days"]
    plans = PaymentPlan.objects.filter(status=PlanStatus.ACTIVE).prefetch_related("installments")
    pks = _pks(keys)
    if pks is not None:
        plans = plans.filter(pk__in=pks)
    found = {}
    for row in plan_selectors.plan_rows(plans):
        due = row.next_due
        if due is None or due.due_date >= today:
            continue
        key = f"payment_plan:{row.plan.pk}/installment:{due.number}"
        found[key] = Cause(
            key, row.plan.account_id,
            f"Plan {row.plan.pk}: installment {due.number} due {due.due_date:%b %-d, %Y} "
            f"is short {row.next_owed}; the plan defaults {grace} days after",
            due.due_date + dt.timedelta(days=grace), Priority.HIGH,
        )  # fmt: skip
    return found


def _installment_closed(keys: list[str]) -> dict[str, Closing]:
    plans = PaymentPlan.objects.filter(pk__in=[pk_of(k) for k in keys])
    status = {p.pk: p for p in plans}
    found = {}
    for key in keys:
        plan = status.get(pk_of(key))
        what = "paid" if plan is None or plan.status == PlanStatus.ACTIVE else plan.status
        found[key] = Closing(f"{what} in collections", None)
    return found


def _plan_items(plan: Any, created: bool) -> list[str]:
    """A plan paid, defaulted or cancelled: its open installment items are looked at again
    (a plan's save never opens one: missing an installment is the calendar's doing)."""
    from .models import WorkItem

    if created:
        return []
    items = WorkItem.objects.filter(
        kind="installment_missed", source_key__startswith=f"payment_plan:{plan.pk}/"
    )
    return list(items.values_list("source_key", flat=True))


def _final_past_due(keys: list[str] | None) -> dict[str, Cause]:
    """The collection-agency review list's own accounts (``referral_candidates``: final,
    owing over ``COLLECTIONS_REFERRAL_MIN_BALANCE`` more than ``COLLECTIONS_REFERRAL_DAYS``
    after the final bill's due date, not on a plan, not referred, no pending adjustment or
    dispute), less those with a write-off pending or posted."""
    today = counter_date()
    pending = WriteOff.objects.filter(
        account_id=OuterRef("pk"), status__in=[WriteOffStatus.PENDING, WriteOffStatus.POSTED]
    )
    rows = _only(referral_candidates(today=today), keys).filter(~Exists(pending))
    return {
        f"account:{a.pk}": Cause(
            f"account:{a.pk}", a.pk,
            f"Final account {a.number} owes {a.balance}, past due since "
            f"{a.final_due:%b %-d, %Y}: refer to a collection agency or write off",
            today + dt.timedelta(days=14),
        )
        for a in rows
    }  # fmt: skip


def _account_closed(a: Any) -> tuple[str, Any]:
    return ("paid" if a.balance.amount <= 0 else "referred, on a plan or written off"), None


def _disconnects(keys: list[str] | None) -> dict[str, Cause]:
    rows = _only(
        ServiceOrder.objects.filter(
            kind=OrderKind.DISCONNECT, status__in=ACTIVE_STATUSES, due_on__lt=counter_date()
        ),
        keys,
    )
    return {
        f"service_order:{o.pk}": Cause(
            f"service_order:{o.pk}", o.account_id,
            f"Disconnect order {o.number} was due {o.due_on:%b %-d, %Y} and is still "
            f"{o.get_status_display().lower()}",
            o.due_on, Priority.HIGH,
        )
        for o in rows
    }  # fmt: skip


def _order_closed(o: Any) -> tuple[str, Any]:
    return o.get_status_display().lower(), o.completed_by or o.cancelled_by


SOURCES: dict[str, Source] = {
    s.kind: s
    for s in (
        Source("adjustment", _adjustments,
               _closings_of("adjustment_request", AdjustmentRequest.objects.select_related(
                   "decided_by", "requested_by"), "adjustments", _decided),
               {AdjustmentRequest: _own_key("adjustment_request",
                                            lambda r: r.status == RequestStatus.PENDING)}),
        Source("void", _voids,
               _closings_of("payment", Payment.objects.select_related("voided_by"), "payments",
                            _void_closed),
               {Payment: _own_key("payment", lambda p: p.void_requested_at is not None)}),
        Source("refund", _refunds,
               _closings_of("refund", Refund.objects.select_related("decided_by", "requested_by"),
                            "adjustments", _decided),
               {Refund: _own_key("refund", lambda r: r.status == RefundStatus.PENDING)}),
        Source("plan_override", _plan_overrides,
               _closings_of("payment_plan", PaymentPlan.objects.select_related(
                   "decided_by", "requested_by"), "collections", _decided),
               {PaymentPlan: _own_key("payment_plan", lambda p: p.status == PlanStatus.PENDING)}),
        Source("write_off", _write_offs,
               _closings_of("write_off", WriteOff.objects.select_related(
                   "decided_by", "requested_by"), "collections", _decided),
               {WriteOff: _own_key("write_off", lambda w: w.status == WriteOffStatus.PENDING)}),
        Source("lockbox_exception", _lockbox,
               _closings_of("remittance_item", RemittanceItem.objects.select_related(
                   "resolved_by"), "payments", _resolved),
               {RemittanceItem: _own_key("remittance_item",
                                         lambda i: i.status == RemitStatus.EXCEPTION),
                RemittanceBatch: _batch_rows}),
        Source("read_exception", _reads,
               _closings_of("read_exception", ReadException.objects.select_related(
                   "resolved_by"), "billing", _resolved),
               {ReadException: _own_key("read_exception",
                                        lambda r: r.status == ExceptionStatus.OPEN),
                ReadImport: _import_rows}),
        Source("bill_run_error", _bill_errors,
               _closings_of("bill", Bill.objects.select_related("run__post_started_by"),
                            "billing", _bill_closed),
               {Bill: _own_key("bill", lambda b: b.status == BillStatus.ERROR),
                BillRun: _run_touched}),
        Source("high_bill", _high_bills,
               _closings_of("bill", Bill.objects.select_related("run__post_started_by"),
                            "billing", _bill_closed),
               {BillRun: _run_touched}),
        Source("returned_payment", _returns,
               _closings_of("returned_payment", ReturnedPayment.objects.all(), "payments",
                            _return_closed),
               {ReturnedPayment: _own_key("returned_payment", lambda r: True)}),
        Source("deposit_due_back", _deposits,
               _closings_of("security_deposit", SecurityDeposit.objects.all(), "collections",
                            _deposit_closed),
               {Refund: _deposit_refunded}),
        Source("installment_missed", _installments, _installment_closed,
               {PaymentPlan: _plan_items}),
        Source("final_past_due", _final_past_due,
               _closings_of("account", Account.objects.all(), "collections", _account_closed),
               {WriteOff: lambda w, created: [f"account:{w.account_id}"],
                Referral: lambda r, created: [f"account:{r.account_id}"],
                PaymentPlan: lambda p, created: [f"account:{p.account_id}"]}),
        Source("disconnect_overdue", _disconnects,
               _closings_of("service_order", ServiceOrder.objects.select_related(
                   "completed_by", "cancelled_by"), "service_orders", _order_closed),
               {ServiceOrder: lambda o, created: [] if created else [f"service_order:{o.pk}"]}),
    )
}  # fmt: skip
assert set(SOURCES) == set(KINDS) - {"followup"}, "every system kind has its source"


def watched_models() -> Iterable[type[Model]]:
    return {model for source in SOURCES.values() for model in source.watches}
