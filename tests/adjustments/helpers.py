"""Small helpers for the adjustment tests: bill an account, read balances back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from accounts.models import Account
from ledger import services as ledger
from ledger.models import JournalEntry
from tests.factories import service


def charge(account: Account, by: Any, **amounts: str) -> None:
    """Bill the account: charge(account, bob, WATER="120.00", SEWER="80.00")."""
    ledger.post_charges(
        account=account,
        charges=[(service(code), Decimal(text)) for code, text in amounts.items()],
        memo="November bill",
        acting_user=by,
    )


def balance(account: Account) -> Decimal:
    account.refresh_from_db()
    return account.balance.amount


def open_amounts(account: Account) -> dict[str, Decimal]:
    """What the account owes per service code, plus ``credit`` for unapplied credit."""
    rows = (
        JournalEntry.objects.filter(account=account)
        .values("service__code")
        .annotate(total=Sum("amount"))
    )
    return {(r["service__code"] or "credit"): r["total"] for r in rows if r["total"] != 0}


def gl_total(code: str) -> Decimal:
    total = JournalEntry.objects.filter(gl_account__code=code).aggregate(t=Sum("amount"))["t"]
    return total or Decimal("0.00")


def adjustments_url_values(requester: Any, approver: Any, account: Account) -> dict[str, int]:
    """Objects behind the adjustments URLs, for the site-wide access walk.

    ``request_pk`` is a posted adjustment by ``requester`` with a document (so the
    detail, document and reverse pages all answer); ``master_pk`` a master
    account; ``draft_pk`` a GL adjustment draft by ``requester``. Needs an open
    business day and ``account`` with a water balance of at least $1.00.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    from adjustments import gl, services
    from adjustments.models import AdjustmentReason
    from ledger.models import GLAccount
    from tests.factories import make_account

    req = services.request_adjustment(
        account=account,
        direction="credit",
        reason=AdjustmentReason.objects.get(code="LEAK"),
        amounts=[(service("WATER"), Decimal("1.00"))],
        memo="Leak",
        acting_user=requester,
        attachment=SimpleUploadedFile("bill.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )
    services.request_approve(adjustment_request=req, acting_user=approver)
    draft = gl.gl_draft_save(
        draft=None,
        memo="Reclass",
        lines=[gl.DraftLine(GLAccount.objects.get(code="001-4630"), Decimal("-1.00"))],
        acting_user=requester,
    )
    master = make_account(requester, is_master=True)
    return {"request_pk": req.pk, "master_pk": master.pk, "draft_pk": draft.pk}
