"""Write-offs: an uncollectible receivable moved to bad debt.

``write_off`` credits every open service of the account (its receivable line) and debits
the bad-debt GL account of that service's fund (role ``bad_debt``): what the customer owes
drops to zero (or by the open services' total); the ledger keeps who and why. A later
recovery reverses the write-off (``reverse_transaction`` / ``reverse_part``) so the
account owes it again, and then the payment applies as any payment. Needs
``ledger.post_transaction``; the maker-checker rules live with the caller (collections).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from billing_site.common.roles import require_perm

from .choices import GLRole, TransactionKind
from .errors import PostingRefused
from .models import GLAccount, JournalTransaction
from .posting import LedgerWriter, Line


@transaction.atomic
def write_off(
    *, account: object, memo: str, acting_user: User, source: str = ""
) -> JournalTransaction:
    require_perm(acting_user, "ledger.post_transaction")
    writer = LedgerWriter(acting_user=acting_user)
    (locked,) = writer.lock([account])  # type: ignore[list-item]
    held = writer.open_amounts(locked)
    bad_debt = {
        g.fund_id: g for g in GLAccount.objects.filter(role=GLRole.BAD_DEBT, is_active=True)
    }
    lines: list[Line] = []
    for service in writer.services:
        amount = held.by_service.get(service.pk, 0)
        if amount <= 0:
            continue
        gl = bad_debt.get(service.receivable_gl.fund_id)
        if gl is None:
            raise PostingRefused(f"No bad-debt GL account in the fund of {service.name}.")
        lines += [
            writer.receivable_line(locked, -amount, service),
            Line(gl_account=gl, amount=amount),
        ]
    if not lines:
        raise PostingRefused(f"Account {locked.number} has nothing open to write off.")
    return writer.post_now(kind=TransactionKind.WRITE_OFF, lines=lines, memo=memo, source=source)
