"""What happens when a closeout closes a business day, owned by apps above payments
(collections keeps the aging of a month-end the closeout has just closed). ``closeout_run``
calls the hooks at its end, inside its transaction, after the next day is open; a hook may
only start work for later (a long task enqueued on commit), never do it there. Each app
registers its hook by name in ``AppConfig.ready()`` (a second registration under the same
name replaces the first, so a hook never runs twice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

AfterCloseout = Callable[[Any, User], None]
_after_closeout: dict[str, AfterCloseout] = {}


def register_after_closeout(name: str, hook: AfterCloseout) -> None:
    _after_closeout[name] = hook


def after_closeout(closeout: Any, acting_user: User) -> None:
    """Run every hook for ``closeout`` (its day closed, the next one open)."""
    for _name, hook in sorted(_after_closeout.items()):
        hook(closeout, acting_user)
