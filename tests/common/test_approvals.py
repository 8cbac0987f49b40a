"""The shared maker-checker rules, driven through a tiny fake subject: a dataclass
"refund request" whose flow keeps its history in a list. The adjustments tests
(tests/adjustments/test_maker_checker.py, test_concurrency.py) drive the same rules
through a real model, row locks and all."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from adjustments.models import ApprovalLimit
from billing_site.common import approvals, roles
from billing_site.common.approvals import (
    UNLIMITED,
    ApprovalFlow,
    limit_from_roles,
    limit_from_table,
    role_limit,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@dataclass
class Refund:
    """A fake request: what any app's request model carries, and an amount."""

    amount: D
    requested_by: Any = None
    status: str = "new"
    decided_by: Any = None
    decided_at: Any = None
    decision_note: str = ""
    paid: bool = False
    pk: int = 1

    @property
    def requested_by_id(self) -> Any:
        return self.requested_by.pk if self.requested_by else None


class RefundApprovals(ApprovalFlow[Refund]):
    """The whole adapter another app writes: amount, limits, what approval does."""

    approve_perm = "adjustments.approve_request"  # held by coordinators and supervisors
    plural = "refunds"
    withdrawable = ("draft",)
    caps = {roles.COORDINATOR: D("100.00"), roles.SUPERVISOR: None}

    def __init__(self) -> None:
        self.history: list[tuple[str, str]] = []
        self.events: list[tuple[str, str]] = []

    def amount_of(self, subject: Refund) -> D:
        return subject.amount

    def limit_for(self, user: Any) -> D | None:
        return limit_from_roles(user, self.caps)

    def on_approve(self, subject: Refund, acting_user: Any) -> str:
        subject.paid = True
        return "Approved; refund paid"

    def after(self, subject: Refund, *, event: str, previous: Any, acting_user: Any) -> None:
        self.events.append((event, previous))

    def describe(self, subject: Refund) -> str:
        return "Refund 1"

    def lock(self, subject: Refund) -> Refund:
        return subject

    def save(self, subject: Refund, *, acting_user: Any, why: str) -> None:
        self.history.append((acting_user.username, why))


@pytest.fixture
def flow() -> RefundApprovals:
    return RefundApprovals()


def _requested(flow: RefundApprovals, by: Any, amount: str = "80.00") -> Refund:
    return approvals.submit(flow=flow, subject=Refund(D(amount)), acting_user=by)


def test_it_queues_a_request_in_the_requesters_name(flow, alice):
    refund = _requested(flow, alice)
    assert refund.status == "pending" and refund.requested_by == alice
    assert flow.history == [("alice", "Requested")]


def test_it_approves_within_the_limit_and_does_the_work(flow, alice, bob):
    refund = _requested(flow, alice, "100.00")  # exactly the coordinator's limit
    approvals.approve(flow=flow, subject=refund, acting_user=bob, note="  checked   the file ")
    assert refund.status == "approved" and refund.paid
    assert refund.decided_by == bob and refund.decided_at is not None
    assert refund.decision_note == "checked the file"
    assert flow.history[-1] == ("bob", "Approved; refund paid")
    assert flow.events == [("approved", "pending")]


def test_it_refuses_self_approval(flow, bob):
    refund = _requested(flow, bob, "10.00")
    with pytest.raises(ValidationError, match="Nobody approves their own request"):
        approvals.approve(flow=flow, subject=refund, acting_user=bob)
    with pytest.raises(ValidationError, match="cannot decide your own request"):
        approvals.reject(flow=flow, subject=refund, reason="no", acting_user=bob)
    assert refund.status == "pending" and not refund.paid


def test_it_refuses_over_the_limit_and_a_higher_role_approves(flow, alice, bob, carol):
    refund = _requested(flow, alice, "100.01")
    with pytest.raises(ValidationError, match=r"your approval limit is \$100.00"):
        approvals.approve(flow=flow, subject=refund, acting_user=bob)
    assert not refund.paid
    approvals.approve(flow=flow, subject=refund, acting_user=carol)  # no upper limit
    assert refund.paid and refund.decided_by == carol


def test_it_refuses_the_wrong_user(flow, alice, bob, erin):
    refund = _requested(flow, bob)
    for user in (alice, erin):  # a clerk and an auditor hold no approval permission
        with pytest.raises(PermissionDenied):
            approvals.approve(flow=flow, subject=refund, acting_user=user)
        with pytest.raises(PermissionDenied):
            approvals.reject(flow=flow, subject=refund, reason="no", acting_user=user)
        assert approvals.approval_refusal(flow=flow, subject=refund, user=user) == (
            "Your role does not approve refunds."
        )
    with pytest.raises(ValidationError, match="Only the person who made a request"):
        approvals.withdraw(flow=flow, subject=refund, acting_user=alice)
    assert refund.status == "pending"


def test_it_refuses_a_role_without_a_limit(flow, alice, bob):
    flow.caps = {roles.SUPERVISOR: None}
    refund = _requested(flow, alice)
    assert approvals.approval_refusal(flow=flow, subject=refund, user=bob) == (
        "Your role has no approval limit set, so you cannot approve requests."
    )


def test_it_wants_a_reason_to_reject(flow, alice, bob):
    refund = _requested(flow, alice)
    with pytest.raises(ValidationError) as refused:
        approvals.reject(flow=flow, subject=refund, reason="   ", acting_user=bob)
    assert refused.value.message_dict == {"reason": ["Say why the request is rejected."]}
    approvals.reject(flow=flow, subject=refund, reason=" Paid  twice ", acting_user=bob)
    assert refund.status == "rejected" and refund.decision_note == "Paid twice"
    assert flow.history[-1] == ("bob", "Rejected: Paid twice")


def test_it_decides_only_pending_requests(flow, alice, bob, carol):
    refund = _requested(flow, alice)
    approvals.reject(flow=flow, subject=refund, reason="Duplicate", acting_user=bob)
    with pytest.raises(ValidationError, match="Refund 1 is rejected; it cannot be approved"):
        approvals.approve(flow=flow, subject=refund, acting_user=carol)
    with pytest.raises(ValidationError, match="it cannot be rejected"):
        approvals.reject(flow=flow, subject=refund, reason="again", acting_user=carol)
    with pytest.raises(ValidationError, match="it cannot be withdrawn"):
        approvals.withdraw(flow=flow, subject=refund, acting_user=alice)
    assert not refund.paid


def test_it_lets_the_requester_withdraw_an_open_request(flow, alice):
    refund = _requested(flow, alice)
    approvals.withdraw(flow=flow, subject=refund, acting_user=alice)
    draft = Refund(D("5.00"), requested_by=alice, status="draft")
    approvals.withdraw(flow=flow, subject=draft, acting_user=alice)
    assert refund.status == draft.status == "withdrawn"
    assert flow.events == [("withdrawn", "pending"), ("withdrawn", "draft")]


def test_it_combines_the_limits_of_every_role_a_user_holds(alice, bob, carol):
    assert role_limit([]) is None
    assert role_limit([D("100.00"), D("500.00")]) == D("500.00")
    assert role_limit([D("100.00"), None]) == UNLIMITED
    caps = {roles.COORDINATOR: D("100.00"), roles.SUPERVISOR: D("900.00")}
    assert limit_from_roles(alice, caps) is None
    assert limit_from_roles(bob, caps) == D("100.00")
    both = make_user("bea", roles.COORDINATOR)
    both.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    assert limit_from_roles(both, caps) == D("900.00")


def test_it_reads_limits_from_an_admin_table(alice, bob, carol):
    assert limit_from_table(ApprovalLimit, alice) is None  # the clerk role has no row
    assert limit_from_table(ApprovalLimit, bob) == D("500.00")
    assert limit_from_table(ApprovalLimit, carol) == UNLIMITED


def test_it_says_who_may_reject_without_a_limit(flow, alice, bob, erin):
    refund = _requested(flow, alice, "5000.00")  # far over the coordinator's limit
    assert approvals.approval_refusal(flow=flow, subject=refund, user=bob) is not None
    assert approvals.rejection_refusal(flow=flow, subject=refund, user=bob) is None
    assert approvals.rejection_refusal(flow=flow, subject=refund, user=erin) == (
        "Your role does not approve refunds."
    )
    assert approvals.rejection_refusal(flow=flow, subject=refund, user=alice) is not None
