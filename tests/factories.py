"""Test data built through the same services the app uses: factory_boy factories whose
``_create`` calls the service, so every row has its history and passed its checks."""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

import factory
from django.contrib.auth.models import Group, User

from accounts import services as account_services
from accounts.choices import AccountClass, AccountStatus
from accounts.models import Account, Customer, Premise
from billing_site.common import roles
from ledger.models import Service

_seq = count(1)  # one counter for customers and premises, so their numbers never repeat


def _n() -> int:
    return next(_seq)


class _ThroughServices(factory.Factory):
    """A factory that creates through the app's own service (history rows, checks and all)
    instead of ``Model.objects.create``; ``acting_user`` is who the service acts for."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        return cls.create_through(**kwargs)

    @classmethod
    def create_through(cls, **kwargs: Any) -> Any:
        raise NotImplementedError


class CustomerFactory(_ThroughServices):
    class Meta:
        model = Customer
        exclude = ("n",)

    n = factory.LazyFunction(_n)
    first_name = "Pat"
    last_name = factory.LazyAttribute(lambda o: f"Customer{o.n}")
    phone = "8505551234"
    email = factory.LazyAttribute(lambda o: f"pat{o.n}@example.org")
    mailing_line1 = factory.LazyAttribute(lambda o: f"{o.n} Main St")
    mailing_city = "Tallahassee"
    mailing_state = "FL"
    mailing_zip = "32301"

    @classmethod
    def create_through(cls, **kwargs: Any) -> Customer:
        return account_services.customer_create(**kwargs)


class PremiseFactory(_ThroughServices):
    class Meta:
        model = Premise
        exclude = ("n",)

    n = factory.LazyFunction(_n)
    line1 = factory.LazyAttribute(lambda o: f"{o.n} Oak Ave")
    city = "Tallahassee"
    state = "FL"
    zip_code = "32303"

    @classmethod
    def create_through(cls, **kwargs: Any) -> Premise:
        return account_services.premise_create(**kwargs)


def make_user(username: str, role: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password="correct-horse-battery", **extra)
    user.groups.add(Group.objects.get(name=role))
    if role == roles.ADMINISTRATOR:
        user.is_staff = True
        user.save()
    return User.objects.get(pk=user.pk)  # fresh permission cache


def make_customer(by: User, **fields: Any) -> Customer:
    return CustomerFactory(acting_user=by, **fields)


def make_premise(by: User, **fields: Any) -> Premise:
    return PremiseFactory(acting_user=by, **fields)


def make_account(by: User, *, active: bool = True, **fields: Any) -> Account:
    customer = fields.pop("customer", None) or make_customer(by)
    premise = fields.pop("premise", None) or make_premise(by)
    account = account_services.account_open(
        customer=customer,
        premise=premise,
        account_class=fields.pop("account_class", AccountClass.RESIDENTIAL),
        acting_user=by,
        **fields,
    )
    if active:
        account = account_services.account_change_status(
            account=account, to=AccountStatus.ACTIVE, acting_user=by, reason="Service started"
        )
    return account


def service(code: str) -> Service:
    return Service.objects.select_related("receivable_gl", "revenue_gl").get(code=code)


def money(text: str) -> Decimal:
    return Decimal(text)
