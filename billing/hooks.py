"""What happens after a final bill posts, owned by apps above billing (collections applies
the deposit held to the final bill and refunds the rest). Billing calls the hooks at the
end of ``bills.final.final_bill``, inside its transaction, so the stop-service page and
the service orders' stop effect (which calls the same service) run them exactly once;
each app registers its hook by name in ``AppConfig.ready()`` (a second registration under
the same name replaces the first, so a hook never runs twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

AfterFinalBill = Callable[[Any, User], str]
_after_final_bill: dict[str, AfterFinalBill] = {}


def register_after_final_bill(name: str, hook: AfterFinalBill) -> None:
    _after_final_bill[name] = hook


def after_final_bill(bill: Any, acting_user: User) -> list[str]:
    """Run every hook for the posted final ``bill``; what each did, in plain words."""
    done = [hook(bill, acting_user) for _name, hook in sorted(_after_final_bill.items())]
    return [text for text in done if text]
