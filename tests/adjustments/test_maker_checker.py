"""Segregation of duties: who may approve, reject, withdraw and reverse, and when."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts import services as account_services
from adjustments import services
from adjustments.choices import Direction, RequestStatus
from adjustments.models import AdjustmentRequest, ApprovalLimit
from ledger.models import JournalTransaction
from tests.factories import make_user, service

from .helpers import balance, charge

pytestmark = pytest.mark.django_db


def _request(account, by, reason, amount="20.00", direction=Direction.CREDIT):
    return services.request_adjustment(
        account=account,
        direction=direction,
        reason=reason,
        amounts=[(service("WATER"), D(amount))],
        memo="Leak repaired",
        acting_user=by,
    )


@pytest.fixture
def billed(account, bob, business_day):
    charge(account, bob, WATER="900.00")
    return account


def test_it_refuses_self_approval(billed, bob, leak):
    req = _request(billed, bob, leak)
    with pytest.raises(ValidationError, match="Nobody approves their own request"):
        services.request_approve(adjustment_request=req, acting_user=bob)
    assert JournalTransaction.objects.filter(kind="adjustment").count() == 0


def test_it_refuses_approval_over_the_approvers_limit(billed, alice, bob, carol, leak):
    req = _request(billed, alice, leak, amount="500.01")
    with pytest.raises(ValidationError, match=r"your approval limit is \$500.00"):
        services.request_approve(adjustment_request=req, acting_user=bob)
    assert balance(billed) == D("900.00")
    services.request_approve(adjustment_request=req, acting_user=carol)  # no upper limit
    assert balance(billed) == D("399.99")


def test_it_lets_a_coordinator_approve_exactly_the_limit(billed, alice, bob, leak):
    req = _request(billed, alice, leak, amount="500.00")
    services.request_approve(adjustment_request=req, acting_user=bob)
    assert balance(billed) == D("400.00")


def test_it_rechecks_the_limit_at_approval_time(billed, alice, bob, leak):
    req = _request(billed, alice, leak, amount="300.00")
    ApprovalLimit.objects.filter(role__name="Coordinator").update(max_amount=D("250.00"))
    with pytest.raises(ValidationError, match=r"limit is \$250.00"):
        services.request_approve(adjustment_request=req, acting_user=bob)


def test_it_refuses_approval_by_a_clerk(billed, alice, leak, bob):
    req = _request(billed, bob, leak)
    other_clerk = make_user("amy", "Clerk")
    for clerk in (alice, other_clerk):
        with pytest.raises(PermissionDenied):
            services.request_approve(adjustment_request=req, acting_user=clerk)
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING


def test_it_refuses_approval_by_an_auditor_and_a_field_tech(billed, alice, erin, dave, leak):
    req = _request(billed, alice, leak)
    for user in (erin, dave):
        with pytest.raises(PermissionDenied):
            services.request_approve(adjustment_request=req, acting_user=user)


def test_it_refuses_approval_after_the_account_closed(account, alice, bob, leak, business_day):
    req = _request(account, alice, leak, amount="10.00")  # zero balance: it can still close
    for status in ("final", "closed"):
        account_services.account_change_status(
            account=account, to=status, acting_user=bob, reason="Moved out"
        )
    with pytest.raises(ValidationError, match="has closed since the request"):
        services.request_approve(adjustment_request=req, acting_user=bob)
    assert balance(account) == D("0.00")
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING


def test_it_refuses_a_second_decision(billed, alice, bob, carol, leak):
    req = _request(billed, alice, leak)
    services.request_approve(adjustment_request=req, acting_user=bob)
    with pytest.raises(ValidationError, match="approved and posted; it cannot be approved"):
        services.request_approve(adjustment_request=req, acting_user=carol)
    with pytest.raises(ValidationError, match="cannot be rejected"):
        services.request_reject(adjustment_request=req, reason="No", acting_user=carol)
    assert JournalTransaction.objects.filter(kind="adjustment").count() == 1


def test_it_requires_a_reason_to_reject(billed, alice, bob, leak):
    req = _request(billed, alice, leak)
    with pytest.raises(ValidationError) as refused:
        services.request_reject(adjustment_request=req, reason="   ", acting_user=bob)
    assert refused.value.message_dict == {"reason": ["Say why the request is rejected."]}
    req = services.request_reject(
        adjustment_request=req, reason="No leak on the meter history", acting_user=bob
    )
    assert req.status == RequestStatus.REJECTED
    assert billed.notes.filter(text__contains="rejected by bob: No leak").exists()
    assert balance(billed) == D("900.00")


def test_it_lets_only_the_requester_withdraw(billed, alice, bob, leak):
    req = _request(billed, alice, leak)
    with pytest.raises(ValidationError, match="Only the person who made a request"):
        services.request_withdraw(adjustment_request=req, acting_user=bob)
    req = services.request_withdraw(adjustment_request=req, acting_user=alice)
    assert req.status == RequestStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="withdrawn; it cannot be approved"):
        services.request_approve(adjustment_request=req, acting_user=bob)


def test_it_reverses_only_through_a_supervisor_with_a_reason(billed, alice, bob, carol, leak):
    req = _request(billed, alice, leak)
    with pytest.raises(ValidationError, match="only postings reverse"):
        services.request_reverse(adjustment_request=req, reason="x", acting_user=carol)
    req = services.request_approve(adjustment_request=req, acting_user=bob)
    with pytest.raises(PermissionDenied):
        services.request_reverse(adjustment_request=req, reason="x", acting_user=bob)
    with pytest.raises(ValidationError) as refused:
        services.request_reverse(adjustment_request=req, reason="", acting_user=carol)
    assert "reason" in refused.value.message_dict
    req = services.request_reverse(adjustment_request=req, reason="Wrong", acting_user=carol)
    with pytest.raises(ValidationError, match="only postings reverse"):
        services.request_reverse(adjustment_request=req, reason="again", acting_user=carol)
    assert JournalTransaction.objects.filter(kind="reversal").count() == 1


def test_it_refuses_a_reversal_by_the_requester(billed, bob, carol, leak):
    req = _request(billed, carol, leak)
    req = services.request_approve(adjustment_request=req, acting_user=bob)
    with pytest.raises(ValidationError, match="posting you requested"):
        services.request_reverse(adjustment_request=req, reason="Oops", acting_user=carol)


def test_the_database_refuses_a_self_decision_written_behind_the_services(billed, alice, leak):
    req = _request(billed, alice, leak)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdjustmentRequest.objects.filter(pk=req.pk).update(decided_by=alice)


def test_it_refuses_approval_while_no_business_day_is_open(billed, alice, bob, leak):
    from ledger.models import BusinessDay

    req = _request(billed, alice, leak)
    BusinessDay.objects.update(status="closed")
    with pytest.raises(ValidationError, match="No business day is open"):
        services.request_approve(adjustment_request=req, acting_user=bob)
    assert AdjustmentRequest.objects.get(pk=req.pk).status == RequestStatus.PENDING
