"""What happens when a closeout closes a business day, owned by apps above payments
(collections keeps the aging of a month-end the closeout has just closed). ``closeout_run``
calls the hooks at its end, inside its transaction, after the next day is open; a hook may
only start work for later (a long task enqueued on commit), never do it there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from billing_site.common.hooks import Registry

AfterCloseout = Callable[[Any, User], None]
_after_closeout: Registry[AfterCloseout] = Registry()
register_after_closeout = _after_closeout.register


def after_closeout(closeout: Any, acting_user: User) -> None:
    """Run every hook for ``closeout`` (its day closed, the next one open)."""
    for hook in _after_closeout:
        hook(closeout, acting_user)
