"""Writes for adjustment requests: request, approve, reject, withdraw, reverse.

Each is keyword-only, runs in one database transaction, checks the acting
user's permission, records who did what in the request's history and leaves a
system note on every customer account involved (the account page shows them).
Money moves only in :func:`request_approve` and :func:`request_reverse`, through
``ledger.services``. GL adjustment drafts are in ``adjustments.gl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from accounts.choices import AccountStatus
from accounts.models import Account
from accounts.services import system_note
from billing_site.common import approvals
from billing_site.common.approvals import clean_reason
from billing_site.common.cards import refuse_card_numbers
from billing_site.common.money import CURRENCY, ZERO, format_money
from billing_site.common.numbering import next_number
from billing_site.common.roles import require_perm
from ledger.errors import PostingRefused
from ledger.models import Service
from ledger.services import check_amount, reverse_transaction, writer_for

from . import wording
from .attachments import check_attachment
from .choices import Direction, RequestKind, RequestStatus, TransferOf
from .journal import post_request
from .models import AdjustmentLine, AdjustmentReason, AdjustmentRequest
from .selectors import AdjustmentApprovalRules, pending_consolidation

NUMBER_START = 1001


# -- shared helpers --------------------------------------------------------------------


def checked_amount(amount: Decimal, *, field: str, what: str = "Amount") -> Decimal:
    """The ledger's amount rules, as a form error on ``field``."""
    try:
        return check_amount(amount, what=what)
    except PostingRefused as refused:
        raise ValidationError({field: refused.message}) from None


def clean_memo(memo: str) -> str:
    text = " ".join((memo or "").split())
    refuse_card_numbers(memo=text)
    if not text:
        raise ValidationError({"memo": "Say what the request is for."})
    if len(text) > 500:
        raise ValidationError({"memo": "Keep the memo under 500 characters."})
    return text


def _fresh(account: Account) -> Account:
    return Account.objects.select_related("customer").get(pk=account.pk)


def new_request(*, acting_user: Any, **fields: Any) -> AdjustmentRequest:
    now = timezone.now()
    req = AdjustmentRequest(
        number=next_number("adjustment_request", start=NUMBER_START),
        requested_by=acting_user,
        requested_at=now,
        submitted_at=None if fields.get("status") == RequestStatus.DRAFT else now,
        **fields,
    )
    return req


def save(req: AdjustmentRequest, *, acting_user: Any, why: str) -> AdjustmentRequest:
    req._history_user = acting_user  # type: ignore[attr-defined]
    req._change_reason = why  # type: ignore[attr-defined]
    req.full_clean()
    req.save()
    return req


def _attach(req: AdjustmentRequest, attachment: UploadedFile | None) -> None:
    if attachment is None:
        return
    try:
        req.attachment_type = check_attachment(attachment)
    except ValidationError as error:
        raise ValidationError({"attachment": error.messages}) from None
    req.attachment_name = (attachment.name or "document")[-200:]
    req.attachment = attachment


def accounts_of(req: AdjustmentRequest) -> list[Account]:
    """Every customer account a request touches, for the notes on their pages."""
    found = [a for a in (req.account, req.to_account) if a is not None]
    if req.kind == RequestKind.CONSOLIDATION:
        found += [ln.account for ln in req.lines.select_related("account") if ln.account]
    return found


def _note_all(req: AdjustmentRequest, text: str, acting_user: Any) -> None:
    for account in accounts_of(req):
        system_note(account=account, text=text, acting_user=acting_user)


def _locked(req: AdjustmentRequest) -> AdjustmentRequest:
    """The request row under lock: two people deciding at once are served one at a time."""
    return APPROVALS.lock(req)


# -- requests ----------------------------------------------------------------------------


def _refuse_closed_account(account: Account, *, field: str) -> None:
    if account.status == AccountStatus.CLOSED:
        raise ValidationError({field: f"Account {account.number} is closed."})


def _service_lines(amounts: Sequence[tuple[Service, Decimal]]) -> list[AdjustmentLine]:
    lines: list[AdjustmentLine] = []
    seen: set[int] = set()
    for service, amount in amounts:
        field = f"amount_{service.code}"
        if service.pk in seen:
            raise ValidationError({field: f"{service.name} is listed twice."})
        seen.add(service.pk)
        checked = checked_amount(amount, field=field, what=f"The {service.name} amount")
        lines.append(AdjustmentLine(service=service, amount=Money(checked, CURRENCY)))
    if not lines:
        raise ValidationError("Enter an amount for at least one service.")
    return lines


@transaction.atomic
def request_adjustment(
    *,
    account: Account,
    direction: str,
    reason: AdjustmentReason | None,
    amounts: Sequence[tuple[Service, Decimal]],
    memo: str,
    acting_user: Any,
    attachment: UploadedFile | None = None,
) -> AdjustmentRequest:
    """Ask for a credit or debit to ``account``, service by service, for approval."""
    require_perm(acting_user, "adjustments.add_adjustmentrequest")
    account = _fresh(account)
    _refuse_closed_account(account, field="account")
    if direction not in Direction.values:
        raise ValidationError({"direction": "Choose credit or debit."})
    if reason is None or not reason.is_active:
        raise ValidationError({"reason": "That reason is no longer in use; choose another."})
    lines = _service_lines(amounts)
    total = sum((ln.amount.amount for ln in lines), ZERO)
    checked_amount(total, field="amount", what="The total")
    req = new_request(
        acting_user=acting_user,
        kind=RequestKind.ADJUSTMENT,
        account=account,
        direction=direction,
        reason=reason,
        memo=clean_memo(memo),
        amount=Money(total, CURRENCY),
    )
    _attach(req, attachment)
    save(req, acting_user=acting_user, why="Requested")
    for line in lines:
        line.request = req
    AdjustmentLine.objects.bulk_create(lines)
    _note_all(req, wording.requested_note(req), acting_user)
    return req


def _check_transfer_accounts(source: Account, target: Account) -> None:
    if target.pk == source.pk:
        raise ValidationError(
            {"to_account": "Choose a different account: money cannot move to where it is."}
        )
    _refuse_closed_account(source, field="account")
    if target.status == AccountStatus.CLOSED:
        raise ValidationError(
            {"to_account": f"Account {target.number} is closed. Transfer to an active account."}
        )
    if target.customer_id != source.customer_id:
        raise ValidationError(
            {
                "to_account": f"Account {target.number} belongs to another customer. "
                "Transfers stay with one customer."
            }
        )


def _check_available(source: Account, transfer_of: str, amount: Decimal) -> None:
    balance = source.balance.amount
    if transfer_of == TransferOf.BALANCE and amount > balance:
        owes = format_money(max(balance, ZERO))
        raise ValidationError({"amount": f"Account {source.number} owes only {owes}."})
    if transfer_of == TransferOf.CREDIT and amount > -balance:
        credit = format_money(max(-balance, ZERO))
        raise ValidationError({"amount": f"Account {source.number} has only {credit} of credit."})


@transaction.atomic
def request_transfer(
    *,
    from_account: Account,
    to_account: Account,
    transfer_of: str,
    amount: Decimal,
    memo: str,
    acting_user: Any,
    attachment: UploadedFile | None = None,
) -> AdjustmentRequest:
    """Ask to move a balance owed, or a credit, from one account to another."""
    require_perm(acting_user, "adjustments.add_adjustmentrequest")
    source, target = _fresh(from_account), _fresh(to_account)
    _check_transfer_accounts(source, target)
    if transfer_of not in TransferOf.values:
        raise ValidationError({"transfer_of": "Choose a balance owed or a credit."})
    amount = checked_amount(amount, field="amount")
    _check_available(source, transfer_of, amount)
    req = new_request(
        acting_user=acting_user,
        kind=RequestKind.TRANSFER,
        account=source,
        to_account=target,
        transfer_of=transfer_of,
        memo=clean_memo(memo),
        amount=Money(amount, CURRENCY),
    )
    _attach(req, attachment)
    save(req, acting_user=acting_user, why="Requested")
    _note_all(req, wording.requested_note(req), acting_user)
    return req


@transaction.atomic
def request_consolidation(*, master: Account, memo: str, acting_user: Any) -> AdjustmentRequest:
    """Ask to move every sub-account's balance onto the master, as one transaction."""
    require_perm(acting_user, "adjustments.request_consolidation")
    master = Account.objects.select_for_update().get(pk=master.pk)
    if not master.is_master:
        raise ValidationError({"account": f"Account {master.number} is not a master account."})
    _refuse_closed_account(master, field="account")
    waiting = pending_consolidation(master)
    if waiting is not None:
        raise ValidationError(f"{waiting} for this master is already waiting for approval.")
    subs = list(master.sub_accounts.exclude(balance=0).order_by("number"))
    if not subs:
        raise ValidationError("No sub-account has a balance to move.")
    total = sum((abs(sub.balance.amount) for sub in subs), ZERO)
    req = new_request(
        acting_user=acting_user,
        kind=RequestKind.CONSOLIDATION,
        account=master,
        memo=clean_memo(memo),
        amount=Money(total, CURRENCY),
    )
    save(req, acting_user=acting_user, why="Requested")
    AdjustmentLine.objects.bulk_create(
        [AdjustmentLine(request=req, account=sub, amount=sub.balance) for sub in subs]
    )
    _note_all(req, wording.requested_note(req), acting_user)
    return req


# -- decisions ---------------------------------------------------------------------------


class AdjustmentApprovals(AdjustmentApprovalRules):
    """Maker-checker for adjustment requests: approval posts the request to the ledger,
    and every decision leaves a note on each customer account involved."""

    def on_approve(self, subject: AdjustmentRequest, acting_user: Any) -> str:
        subject.posting = post_request(writer_for(acting_user), subject)
        return f"Approved; posted as transaction #{subject.posting.pk}"

    def after(
        self, subject: AdjustmentRequest, *, event: str, previous: Any, acting_user: Any
    ) -> None:
        if event == "approved":
            _note_all(subject, wording.approved_note(subject), acting_user)
        elif event == "rejected":
            _note_all(subject, wording.rejected_note(subject), acting_user)
        elif previous != RequestStatus.DRAFT:  # a withdrawn draft was never announced
            _note_all(subject, wording.withdrawn_note(subject), acting_user)

    def save(self, subject: AdjustmentRequest, *, acting_user: Any, why: str) -> None:
        save(subject, acting_user=acting_user, why=why)


APPROVALS = AdjustmentApprovals()


@transaction.atomic
def request_approve(
    *, adjustment_request: AdjustmentRequest, acting_user: Any, note: str = ""
) -> AdjustmentRequest:
    """Approve and post in one transaction; refused unless the approver may, right now."""
    refuse_card_numbers(reason=note)
    return approvals.approve(
        flow=APPROVALS, subject=adjustment_request, acting_user=acting_user, note=note
    )


@transaction.atomic
def request_reject(
    *, adjustment_request: AdjustmentRequest, reason: str, acting_user: Any
) -> AdjustmentRequest:
    """Turn a request down, saying why; the requester and the account page see the reason."""
    return approvals.reject(
        flow=APPROVALS, subject=adjustment_request, reason=reason, acting_user=acting_user
    )


@transaction.atomic
def request_withdraw(
    *, adjustment_request: AdjustmentRequest, acting_user: Any
) -> AdjustmentRequest:
    """The requester takes back a request nobody has decided yet (theirs alone to withdraw)."""
    return approvals.withdraw(flow=APPROVALS, subject=adjustment_request, acting_user=acting_user)


@transaction.atomic
def request_reverse(
    *, adjustment_request: AdjustmentRequest, reason: str, acting_user: Any
) -> AdjustmentRequest:
    """Correct a posted request with a linked reversing transaction; the posting stays."""
    require_perm(acting_user, "adjustments.reverse_request")
    req = _locked(adjustment_request)
    if req.status != RequestStatus.POSTED or req.posting_id is None:
        raise ValidationError(
            f"{req} is {req.get_status_display().lower()}; only postings reverse."
        )
    if req.requested_by_id == acting_user.pk:
        raise ValidationError("You cannot reverse a posting you requested; another person must.")
    why = clean_reason(reason, field="reason", ask="Say why the posting is reversed.")
    assert req.posting is not None
    req.reversal = reverse_transaction(
        original=req.posting,
        memo=f"Reversal of {wording.ledger_memo(req)} Why: {why}"[:500],
        acting_user=acting_user,
    )
    req.status = RequestStatus.REVERSED
    req.reversed_by, req.reversed_at, req.reversal_reason = acting_user, timezone.now(), why
    save(req, acting_user=acting_user, why=f"Reversed as transaction #{req.reversal.pk}: {why}")
    _note_all(req, wording.reversed_note(req), acting_user)
    return req
