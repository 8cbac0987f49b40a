"""Setting and clearing flags: do-not-disconnect needs an expiry, clearing needs a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.choices import FlagKind
from accounts.models import AccountFlag
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def set_url(account) -> str:
    return reverse("accounts:flag_set", args=[account.pk])


def clear_url(flag) -> str:
    return reverse("accounts:flag_clear", args=[flag.account_id, flag.pk])


def soon(days: int = 30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_it_sets_a_flag_and_shows_it(client, bob, account):
    client.force_login(bob)
    assert client.get(set_url(account)).status_code == 200
    data = {"kind": FlagKind.CASH_ONLY, "reason": "Two returned checks", "expires_on": ""}
    response = client.post(set_url(account), data, follow=True)
    flag = AccountFlag.objects.get()
    assert (flag.kind, flag.set_by, flag.expires_on) == (FlagKind.CASH_ONLY, bob, None)
    html = response.content.decode()
    assert "Flag set: Cash only." in html and "Two returned checks" in html


def test_it_needs_an_expiry_for_do_not_disconnect(client, bob, account):
    client.force_login(bob)
    data = {"kind": FlagKind.DO_NOT_DISCONNECT, "reason": "Medical certificate", "expires_on": ""}
    response = client.post(set_url(account), data)
    assert response.status_code == 200
    assert "needs an expiry date" in response.context["form"].errors["expires_on"][0]
    assert "Medical certificate" in response.content.decode()
    assert not AccountFlag.objects.exists()
    data["expires_on"] = soon()
    assert client.post(set_url(account), data).status_code == 302
    assert AccountFlag.objects.get().expires_on.isoformat() == soon()


@pytest.mark.parametrize(
    ("expires_on", "message"),
    [
        ("2020-01-01", "The expiry date is in the past."),
        ("2101-01-01", "Enter a date between 1900 and 2100."),
        ("1800-01-01", "Enter a date between 1900 and 2100."),
        ("tomorrow", "Enter a date like 2026-11-23."),
        ("2026-02-30", "Enter a date like 2026-11-23."),
    ],
)
def test_it_refuses_bad_expiry_dates(client, bob, account, expires_on, message):
    client.force_login(bob)
    data = {"kind": FlagKind.CASH_ONLY, "reason": "NSF", "expires_on": expires_on}
    response = client.post(set_url(account), data)
    assert response.status_code == 200
    assert response.context["form"].errors["expires_on"] == [message]
    assert f'value="{expires_on}"' in response.content.decode()
    assert not AccountFlag.objects.exists()


def test_it_refuses_a_flag_already_set(client, bob, account):
    services.flag_set(account=account, kind=FlagKind.DISPUTE, reason="Bill", acting_user=bob)
    client.force_login(bob)
    data = {"kind": FlagKind.DISPUTE, "reason": "Again", "expires_on": ""}
    response = client.post(set_url(account), data)
    assert response.context["form"].errors["kind"] == ["This flag is already set on the account."]
    assert AccountFlag.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "kind"),
        ({"kind": "cash_only", "reason": ""}, "reason"),
        ({"kind": "cash_only", "reason": "r" * 501}, "reason"),
        ({"kind": "vip", "reason": "x"}, "kind"),
    ],
)
def test_it_explains_missing_or_bad_fields(client, bob, account, data, field):
    client.force_login(bob)
    response = client.post(set_url(account), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AccountFlag.objects.exists()


def test_it_stores_odd_reasons_and_shows_them_escaped(client, bob, account):
    client.force_login(bob)
    reason = "<script>alert(1)</script> ‏עברית‏ 🚱 'quoted'"
    data = {"kind": FlagKind.RETURNED_MAIL, "reason": reason, "expires_on": ""}
    html = client.post(set_url(account), data, follow=True).content.decode()
    assert AccountFlag.objects.get().reason == reason
    assert "<script>alert(1)" not in html and "🚱" in html


def test_it_clears_a_flag_with_a_reason(client, bob, account):
    flag = services.flag_set(
        account=account, kind=FlagKind.CASH_ONLY, reason="Two NSF", acting_user=bob
    )
    client.force_login(bob)
    assert "Two NSF" in client.get(clear_url(flag)).content.decode()
    response = client.post(clear_url(flag), {"reason": "Paid by cashier check"}, follow=True)
    flag.refresh_from_db()
    assert flag.cleared_by == bob and flag.clear_reason == "Paid by cashier check"
    assert "Flag cleared: Cash only." in response.content.decode()


def test_it_needs_a_reason_to_clear(client, bob, account):
    flag = services.flag_set(
        account=account, kind=FlagKind.CASH_ONLY, reason="NSF", acting_user=bob
    )
    client.force_login(bob)
    response = client.post(clear_url(flag), {"reason": "   "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    flag.refresh_from_db()
    assert flag.cleared_at is None


def test_it_says_when_a_flag_was_already_cleared(client, bob, account):
    flag = services.flag_set(
        account=account, kind=FlagKind.CASH_ONLY, reason="NSF", acting_user=bob
    )
    services.flag_clear(flag=flag, reason="Done", acting_user=bob)
    client.force_login(bob)
    response = client.post(clear_url(flag), {"reason": "Again"})
    assert response.status_code == 200
    assert "This flag was cleared on" in response.content.decode()
    flag.refresh_from_db()
    assert flag.clear_reason == "Done"


def test_it_only_clears_flags_of_this_account(client, bob, account):
    other = make_account(bob)
    flag = services.flag_set(account=other, kind=FlagKind.CASH_ONLY, reason="NSF", acting_user=bob)
    client.force_login(bob)
    wrong = reverse("accounts:flag_clear", args=[account.pk, flag.pk])
    assert client.post(wrong, {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_it_refuses_roles_that_do_not_manage_flags(client, request, bob, account, who):
    flag = services.flag_set(
        account=account, kind=FlagKind.CASH_ONLY, reason="NSF", acting_user=bob
    )
    client.force_login(request.getfixturevalue(who))
    data = {"kind": FlagKind.DISPUTE, "reason": "x", "expires_on": ""}
    assert client.get(set_url(account)).status_code == 403
    assert client.post(set_url(account), data).status_code == 403
    assert client.post(clear_url(flag), {"reason": "x"}).status_code == 403
    flag.refresh_from_db()
    assert flag.cleared_at is None and AccountFlag.objects.count() == 1


def test_it_hints_every_flag_that_needs_an_expiry(client, bob, account):
    client.force_login(bob)
    html = client.get(set_url(account)).content.decode()
    assert "Required for do not disconnect and medical need on file." in html
