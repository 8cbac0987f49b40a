"""Test data built through the same services the app uses."""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

from django.contrib.auth.models import Group, User

from accounts import services as account_services
from accounts.choices import AccountClass, AccountStatus
from accounts.models import Account, Customer, Premise
from billing_site.common import roles
from ledger.models import Service

_seq = count(1)


def make_user(username: str, role: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password="correct-horse-battery", **extra)
    user.groups.add(Group.objects.get(name=role))
    if role == roles.ADMINISTRATOR:
        user.is_staff = True
        user.save()
    return User.objects.get(pk=user.pk)  # fresh permission cache


def make_customer(by: User, **fields: Any) -> Customer:
    n = next(_seq)
    defaults = {
        "first_name": "Pat",
        "last_name": f"Customer{n}",
        "phone": "8505551234",
        "email": f"pat{n}@example.org",
        "mailing_line1": f"{n} Main St",
        "mailing_city": "Tallahassee",
        "mailing_state": "FL",
        "mailing_zip": "32301",
    }
    return account_services.customer_create(acting_user=by, **{**defaults, **fields})


def make_premise(by: User, **fields: Any) -> Premise:
    n = next(_seq)
    defaults = {"line1": f"{n} Oak Ave", "city": "Tallahassee", "state": "FL", "zip_code": "32303"}
    return account_services.premise_create(acting_user=by, **{**defaults, **fields})


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
