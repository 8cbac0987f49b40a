"""Service-order test data: a billed, metered account and orders on it."""

from __future__ import annotations

from django.contrib.auth.models import User

from accounts.models import Account
from service_orders import services
from service_orders.models import ServiceOrder
from tests.billing.bill_helpers import accounts, calculated, posted


def billed(bob: User) -> Account:
    """An active account on cycle C1 with a meter, October billed and posted ($49.70 owed)."""
    (account,) = accounts(bob, 1)
    posted(bob, calculated(bob))
    account.refresh_from_db()
    return account


def assigned(bob: User, tech: User, account: Account, kind: str, **extra) -> ServiceOrder:
    order = services.order_create(account=account, kind=kind, acting_user=bob, **extra)
    (order,) = services.orders_assign(orders=[order], technician=tech, acting_user=bob)
    return services.order_start(order=order, acting_user=tech)
