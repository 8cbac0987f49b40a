"""Helpers for the refund tests: an account with a credit, a refund requested or approved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import Account
from adjustments.models import Refund
from adjustments.refunds import requests
from ledger import services as ledger
from tests.adjustments.helpers import charge
from tests.factories import make_account

D = Decimal


def account_with_credit(by: Any, credit: str = "30.00", **fields: Any) -> Account:
    """An account billed $50.00 water that paid $50.00 + ``credit``."""
    account = make_account(by, **fields)
    charge(account, by, WATER="50.00")
    ledger.post_payment(
        account=account, amount=D("50.00") + D(credit), memo="Overpaid", acting_user=by
    )
    account.refresh_from_db()
    return account


def request_refund(account: Account, by: Any, amount: str = "30.00", **kw: Any) -> Refund:
    return requests.refund_request(
        account=account, amount=D(amount), memo="Overpaid the final bill", acting_user=by, **kw
    )


def refund_url_values(requester: Any, approver: Any) -> dict[str, int]:
    """Objects behind the refund URLs, for the site-wide access walk: an approved and
    exported refund by ``requester`` (needs an open business day)."""
    from adjustments.refunds import export

    refund = request_refund(account_with_credit(requester, "12.00"), requester, "12.00")
    requests.refund_approve(refund=refund, acting_user=approver)
    made, _new = export.refunds_export(acting_user=approver)
    assert made is not None
    return {"refund_pk": refund.pk, "export_pk": made.pk}
