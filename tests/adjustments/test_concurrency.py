"""Two approvers pressing Approve on the same request at the same moment post it once."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from adjustments import services
from adjustments.choices import Direction, RequestStatus
from adjustments.models import AdjustmentRequest
from ledger.models import JournalTransaction
from tests.factories import service

from .helpers import balance, charge

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_posts_once_when_two_approvers_approve_at_the_same_moment(
    alice, bob, carol, account, leak, business_day
):
    charge(account, bob, WATER="100.00")
    req = services.request_adjustment(
        account=account,
        direction=Direction.CREDIT,
        reason=leak,
        amounts=[(service("WATER"), D("40.00"))],
        memo="Leak",
        acting_user=alice,
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user) -> None:
        try:
            start.wait(timeout=10)
            services.request_approve(adjustment_request=req, acting_user=user)
            outcomes.append("posted")
        except ValidationError as refused:
            outcomes.append(refused.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (bob, carol)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == 2
    assert outcomes.count("posted") == 1
    (refusal,) = [o for o in outcomes if o != "posted"]
    assert refusal == f"Request {req.number} is approved and posted; it cannot be approved."
    assert JournalTransaction.objects.filter(kind="adjustment").count() == 1
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.POSTED
    assert balance(account) == D("60.00")
