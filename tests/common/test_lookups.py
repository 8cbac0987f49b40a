"""``field__any`` (billing_site.common.lookups): the rows ``__in`` finds, in one array."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import FlagKind
from accounts.models import Account, AccountFlag, Customer
from tests.factories import make_account, make_customer


def test_any_finds_what_in_finds(bob: User) -> None:
    accounts = [make_account(bob) for _ in range(4)]
    numbers = [a.number for a in accounts[:3]] + ["no such number"]
    by_any = set(Account.objects.filter(number__any=numbers).values_list("pk", flat=True))
    by_in = set(Account.objects.filter(number__in=numbers).values_list("pk", flat=True))
    assert by_any == by_in == {a.pk for a in accounts[:3]}
    assert list(Account.objects.filter(pk__any={accounts[3].pk})) == [accounts[3]]
    assert not Account.objects.filter(number__any=[]).exists()


def test_any_on_a_foreign_key_sends_one_array(bob: User) -> None:
    first, second = make_account(bob), make_account(bob)
    AccountFlag.objects.create(account=second, kind=FlagKind.CASH_ONLY, reason="NSF", set_by=bob)
    with CaptureQueriesContext(connection) as queries:
        found = list(
            AccountFlag.objects.filter(account__any=[first.pk, second.pk]).values_list(
                "account_id", flat=True
            )
        )
    assert found == [second.pk]
    assert "= ANY(" in queries[0]["sql"] and "::bigint[]" in queries[0]["sql"]


def test_any_does_not_cut_a_longer_value_to_the_column_length(bob: User) -> None:
    name = "L" * Customer._meta.get_field("last_name").max_length
    customer = make_customer(bob, last_name=name)
    # a cast to the column's varchar(100) would cut the longer value down to the name
    assert not Customer.objects.filter(last_name__any=[name + "son"]).exists()
    assert list(Customer.objects.filter(last_name__any=[name])) == [customer]
