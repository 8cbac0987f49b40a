"""Administrators keep reason codes and approval limits; the changes take effect at once."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from adjustments.models import AdjustmentReason, ApprovalLimit
from adjustments.selectors import UNLIMITED, approval_limit_for
from ledger.models import GLAccount

pytestmark = pytest.mark.django_db


def test_the_starting_limits_and_reasons_are_loaded(alice, bob, carol):
    assert approval_limit_for(alice) is None
    assert approval_limit_for(bob) == D("500.00")
    assert approval_limit_for(carol) == UNLIMITED
    codes = set(AdjustmentReason.objects.values_list("code", flat=True))
    assert {"LEAK", "BILLING", "MISREAD", "FEEWAIVE", "PENALTY", "COURTESY"} <= codes
    assert AdjustmentReason.objects.get(code="COURTESY").offset_gl.code == "001-5920"


def test_an_administrator_changes_the_coordinator_limit(client, frank, bob):
    limit = ApprovalLimit.objects.get(role__name="Coordinator")
    client.force_login(frank)
    url = reverse("admin:adjustments_approvallimit_change", args=[limit.pk])
    response = client.post(url, {"role": limit.role_id, "max_amount": "750.00"})
    assert response.status_code == 302
    assert approval_limit_for(bob) == D("750.00")
    change = limit.history.latest()  # the change is on record, with who made it
    assert change.history_user == frank and change.max_amount == D("750.00")


def test_an_administrator_adds_a_reason_with_its_offset(client, frank):
    client.force_login(frank)
    gl = GLAccount.objects.get(code="001-5910")
    response = client.post(
        reverse("admin:adjustments_adjustmentreason_add"),
        {"code": "DOG", "name": "Dog bite claim", "offset_gl": gl.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    assert AdjustmentReason.objects.get(code="DOG").offset_gl == gl


def test_a_limit_must_be_more_than_zero(client, frank):
    client.force_login(frank)
    role = Group.objects.get(name="Clerk")
    response = client.post(
        reverse("admin:adjustments_approvallimit_add"), {"role": role.pk, "max_amount": "0"}
    )
    assert response.status_code == 200
    assert not ApprovalLimit.objects.filter(role=role).exists()


def test_a_coordinator_cannot_change_limits(client, bob):
    client.force_login(bob)
    limit = ApprovalLimit.objects.get(role__name="Coordinator")
    url = reverse("admin:adjustments_approvallimit_change", args=[limit.pk])
    response = client.post(url, {"role": limit.role_id, "max_amount": "99999.00"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert approval_limit_for(bob) == D("500.00")
