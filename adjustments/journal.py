"""Turn an approved request into ledger lines, checking the accounts as they are now.

Runs inside the approval's database transaction, after ``LedgerWriter.lock`` has
locked every customer account involved, so what is checked here is what posts.
Each check raises ``ValidationError`` in words the approver can act on.

Balances move service by service (a water balance stays water receivable on the
receiving account), so each fund keeps what belongs to it.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.choices import AccountStatus
from accounts.models import Account
from billing_site.common.money import ZERO, format_money
from ledger.choices import CUSTOMER_ROLES, TransactionKind
from ledger.models import JournalTransaction
from ledger.services import LedgerWriter, Line, allocate

from .choices import Direction, RequestKind, TransferOf
from .models import AdjustmentRequest
from .wording import ledger_memo, ledger_source

LEDGER_KIND = {
    RequestKind.ADJUSTMENT: TransactionKind.ADJUSTMENT,
    RequestKind.TRANSFER: TransactionKind.TRANSFER,
    RequestKind.CONSOLIDATION: TransactionKind.TRANSFER,
    RequestKind.GL_ADJUSTMENT: TransactionKind.GL_ADJUSTMENT,
}


def post_request(writer: LedgerWriter, req: AdjustmentRequest) -> JournalTransaction:
    """Post ``req`` as one balanced journal transaction and return it."""
    builders = {
        RequestKind.ADJUSTMENT: adjustment_lines,
        RequestKind.TRANSFER: transfer_lines,
        RequestKind.CONSOLIDATION: consolidation_lines,
        RequestKind.GL_ADJUSTMENT: gl_lines,
    }
    lines = builders[RequestKind(req.kind)](writer, req)
    return writer.post_now(
        kind=LEDGER_KIND[RequestKind(req.kind)],
        lines=lines,
        memo=ledger_memo(req),
        source=ledger_source(req),
    )


def _refuse_closed(account: Account, what: str = "The account") -> None:
    if account.status == AccountStatus.CLOSED:
        raise ValidationError(
            f"{what} {account.number} has closed since the request; nothing can post to it."
        )


def adjustment_lines(writer: LedgerWriter, req: AdjustmentRequest) -> list[Line]:
    """Per service: the receivable line, and the offset on the reason's GL account."""
    assert req.account_id is not None and req.reason is not None
    (account,) = writer.lock([req.account_id])
    _refuse_closed(account)
    sign = Decimal(-1) if req.direction == Direction.CREDIT else Decimal(1)
    services = {s.pk: s for s in writer.services}
    lines: list[Line] = []
    for line in req.lines.all():
        assert line.service_id is not None
        service = services[line.service_id]
        amount = sign * line.amount.amount
        offset = req.reason.offset_gl or service.revenue_gl
        lines.append(writer.receivable_line(account, amount, service))
        lines.append(Line(gl_account=offset, amount=-amount))
    return lines


def transfer_lines(writer: LedgerWriter, req: AdjustmentRequest) -> list[Line]:
    """A balance owed moves by payment order, service for service; a credit moves as credit."""
    assert req.account_id is not None and req.to_account_id is not None
    source, target = writer.lock([req.account_id, req.to_account_id])
    _refuse_closed(source, "Account")
    _refuse_closed(target, "Account")
    book = writer.open_amounts(source)
    amount = req.amount.amount
    if req.transfer_of == TransferOf.CREDIT:
        if amount > -book.unapplied:
            raise ValidationError(
                f"Account {source.number} now has {format_money(max(-book.unapplied, ZERO))} "
                f"of credit, less than the {format_money(amount)} to move."
            )
        return [
            writer.receivable_line(source, amount, None),
            writer.receivable_line(target, -amount, None),
        ]
    parts, short = allocate(amount, book.by_service, writer.services)
    if short > ZERO:
        raise ValidationError(
            f"Account {source.number} now owes {format_money(max(book.balance, ZERO))}, "
            f"less than the {format_money(amount)} to move."
        )
    lines: list[Line] = []
    for service, part in parts:
        lines.append(writer.receivable_line(source, -part, service))
        lines.append(writer.receivable_line(target, part, service))
    return lines


def consolidation_lines(writer: LedgerWriter, req: AdjustmentRequest) -> list[Line]:
    """Move every sub-account's whole balance, bucket by bucket, onto the master."""
    assert req.account_id is not None
    expected = [(line.account_id or 0, line.amount.amount) for line in req.lines.all()]
    locked = writer.lock([req.account_id, *[sub_id for sub_id, _ in expected]])
    master, subs = locked[0], locked[1:]
    _refuse_closed(master, "Master account")
    services = {s.pk: s for s in writer.services}
    lines: list[Line] = []
    for sub, (_sub_id, amount) in zip(subs, expected, strict=True):
        if sub.master_id != master.pk:
            raise ValidationError(
                f"Account {sub.number} is no longer a sub-account of this master."
            )
        book = writer.open_amounts(sub)
        if book.balance != amount:
            raise ValidationError(
                f"Sub-account {sub.number} had {format_money(amount)} when this was requested "
                f"and has {format_money(book.balance)} now. Ask for a new consolidation."
            )
        for service_id, open_amount in sorted(book.by_service.items()):
            if open_amount != ZERO:
                service = services[service_id]
                lines.append(writer.receivable_line(sub, -open_amount, service))
                lines.append(writer.receivable_line(master, open_amount, service))
        if book.unapplied != ZERO:
            lines.append(writer.receivable_line(sub, -book.unapplied, None))
            lines.append(writer.receivable_line(master, book.unapplied, None))
    return lines


def gl_lines(writer: LedgerWriter, req: AdjustmentRequest) -> list[Line]:
    lines: list[Line] = []
    for line in req.lines.select_related("gl_account"):
        gl = line.gl_account
        if gl is None or not gl.is_active or gl.role in CUSTOMER_ROLES:
            raise ValidationError(f"GL account {gl} can no longer take a GL adjustment.")
        lines.append(Line(gl_account=gl, amount=line.amount.amount))
    return lines
