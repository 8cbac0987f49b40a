"""Write-offs: a clerk (or coordinator) cannot write off; up to the limit it posts at once;
above it a second supervisor approves (never the one who asked); a recovery reverses the
write-off before the payment applies; verify_ledger holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from billing_site.common import roles
from collections_app.choices import WriteOffStatus
from collections_app.services import writeoffs
from ledger.models import GLAccount, JournalEntry
from tests.factories import make_account, make_user

from .helpers import bill

pytestmark = pytest.mark.django_db


def _owing(by: User, amount: str):  # type: ignore[no-untyped-def]
    account = make_account(by)
    bill(by, account, bill_date=dt.date(2026, 6, 1), due_date=dt.date(2026, 6, 21), WATER=amount)
    return account


def _bad_debt() -> D:
    gl = GLAccount.objects.get(code="410-5800")
    return sum((e.amount.amount for e in JournalEntry.objects.filter(gl_account=gl)), D(0))


def test_it_refuses_the_clerk_and_the_coordinator(alice: User, bob: User, business_day) -> None:
    account = _owing(bob, "80.00")
    for user in (alice, bob):
        with pytest.raises(PermissionDenied):
            writeoffs.write_off_request(account=account, reason="Gone", acting_user=user)


def test_it_writes_off_up_to_the_limit_at_once(bob: User, carol: User, business_day) -> None:
    account = _owing(bob, "80.00")
    row = writeoffs.write_off_request(
        account=account, reason="Moved, no address", acting_user=carol
    )
    account.refresh_from_db()
    assert row.status == WriteOffStatus.POSTED and account.balance.amount == D("0.00")
    assert _bad_debt() == D("80.00")
    call_command("verify_ledger")


def test_it_needs_a_second_supervisor_above_the_limit(bob: User, carol: User, business_day) -> None:
    account = _owing(bob, "900.00")
    row = writeoffs.write_off_request(account=account, reason="Bankrupt", acting_user=carol)
    assert row.status == WriteOffStatus.PENDING
    with pytest.raises(ValidationError, match="Nobody approves their own"):
        writeoffs.write_off_approve(write_off=row, acting_user=carol)
    sam = make_user("sam", roles.SUPERVISOR)
    done = writeoffs.write_off_approve(write_off=row, acting_user=sam)
    account.refresh_from_db()
    assert done.status == WriteOffStatus.POSTED and account.balance.amount == D("0.00")


def test_it_reverses_the_write_off_before_a_recovery_pays(
    bob: User, carol: User, business_day
) -> None:
    account = _owing(bob, "80.00")
    row = writeoffs.write_off_request(account=account, reason="Gone", acting_user=carol)
    writeoffs.write_off_recover(write_off=row, amount=D("30.00"), memo="Agency", acting_user=carol)
    account.refresh_from_db()
    row.refresh_from_db()
    assert account.balance.amount == D("0.00") and row.recovered == D("30.00")
    assert _bad_debt() == D("50.00")
    with pytest.raises(ValidationError):
        writeoffs.write_off_recover(write_off=row, amount=D("60.00"), memo="x", acting_user=carol)
    call_command("verify_ledger")


def test_it_writes_off_from_the_page(
    bob: User, carol: User, alice: User, business_day, client
) -> None:
    account = _owing(bob, "80.00")
    url = reverse("collections:write_off", args=[account.pk])
    client.force_login(alice)
    assert client.get(url).status_code == 403
    client.force_login(carol)
    page = client.get(url)
    empty = client.post(url, {"reason": "", "token": page.context["token"]})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    done = client.post(url, {"reason": "Moved away", "token": empty.context["token"]})
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.balance.amount == D("0.00")
    assert client.get(reverse("collections:write_offs")).status_code == 200
