"""What happens after a final bill posts, owned by apps above billing (collections applies
the deposit held to the final bill and refunds the rest). Billing calls the hooks at the
end of ``bills.final.final_bill``, inside its transaction, so the stop-service page and
the service orders' stop effect (which calls the same service) run them exactly once;
each app registers its hook by name in ``AppConfig.ready()`` (``common.hooks.Registry``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from billing_site.common.hooks import Registry

AfterFinalBill = Callable[[Any, User], str]
_after_final_bill: Registry[AfterFinalBill] = Registry()
register_after_final_bill = _after_final_bill.register


def after_final_bill(bill: Any, acting_user: User) -> list[str]:
    """Run every hook for the posted final ``bill``; what each did, in plain words."""
    done = [hook(bill, acting_user) for hook in _after_final_bill]
    return [text for text in done if text]
