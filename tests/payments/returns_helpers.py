"""Closing a business day in tests: every drawer counted, then a supervisor's closeout."""

from __future__ import annotations

from typing import Any

from payments import services
from payments.choices import DrawerStatus
from payments.models import Drawer
from tests.factories import make_user


def close_day(*clerks: Any) -> Any:
    """Close each clerk's open drawer (counted as its float) and run the closeout."""
    for drawer in Drawer.objects.filter(status=DrawerStatus.OPEN, clerk__in=clerks):
        services.drawer_close(drawer=drawer, counts={"d20": 5}, checks=[], acting_user=drawer.clerk)
    closer = make_user(f"closer{Drawer.objects.count()}", "Supervisor")
    return services.closeout_run(acting_user=closer)
