"""Opening and closing a clerk's cash drawer; over/short posted per drawer."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from billing_site.common.money import CURRENCY, ZERO
from billing_site.common.roles import require_perm
from ledger.choices import GLRole, TransactionKind
from ledger.services import Line, writer_for

from ..choices import DrawerStatus
from ..models import Drawer
from ..selectors import drawer_expected
from ._common import amount_for, count_total, refuse, today


@transaction.atomic
def drawer_open(*, counts: dict[str, int], acting_user: Any) -> Drawer:
    """Open the acting clerk's drawer for the open business day with a counted float."""
    require_perm(acting_user, "payments.use_drawer")
    business_date = today()
    if Drawer.objects.select_for_update().filter(clerk=acting_user, status="open").exists():
        raise refuse(None, "You already have an open drawer; close it before opening another.")
    float_amount = count_total(counts)
    return Drawer.objects.create(
        clerk=acting_user,
        business_date=business_date,
        float_amount=Money(float_amount, CURRENCY),
        float_counts={k: v for k, v in counts.items() if v},
    )


def own_open_drawer(drawer: Drawer, acting_user: Any) -> Drawer:
    """Lock ``drawer`` and refuse it unless it is the acting user's open drawer today."""
    drawer = Drawer.objects.select_for_update().get(pk=drawer.pk)
    if drawer.clerk_id != acting_user.pk:
        raise refuse(None, "This is not your drawer: nobody works in someone else's drawer.")
    if drawer.status != DrawerStatus.OPEN:
        raise refuse(None, f"Drawer {drawer.pk} is closed.")
    if drawer.business_date != today():
        raise refuse(None, f"Drawer {drawer.pk} belongs to {drawer.business_date}; close it.")
    return drawer


@transaction.atomic
def drawer_close(
    *,
    drawer: Drawer,
    counts: dict[str, int],
    checks: Sequence[tuple[str, Decimal]],
    acting_user: Any,
) -> Drawer:
    """Count the drawer, record expected vs counted, and post any over/short on its own."""
    require_perm(acting_user, "payments.use_drawer")
    drawer = Drawer.objects.select_for_update().get(pk=drawer.pk)
    if drawer.clerk_id != acting_user.pk:
        raise refuse(None, "Only the clerk who opened a drawer counts and closes it.")
    if drawer.status != DrawerStatus.OPEN:
        raise refuse(None, f"Drawer {drawer.pk} is already closed.")
    for number, amount in checks:
        if not number.strip():
            raise refuse("checks", "Each listed check needs its number.")
        amount_for("checks", amount, what=f"Check {number}")
    expected = drawer_expected(drawer)
    counted_cash = count_total(counts)
    counted_checks = sum((amount for _n, amount in checks), ZERO)
    difference = (counted_cash - expected.cash) + (counted_checks - expected.checks)
    drawer.status = DrawerStatus.CLOSED
    drawer.closed_at = timezone.now()
    drawer.counted_counts = {k: v for k, v in counts.items() if v}
    drawer.counted_cash = Money(counted_cash, CURRENCY)
    drawer.counted_checks = [[n.strip(), str(a)] for n, a in checks]
    drawer.expected_cash = Money(expected.cash, CURRENCY)
    drawer.expected_checks = Money(expected.checks, CURRENCY)
    drawer.over_short = Money(difference, CURRENCY)
    if difference != ZERO:
        drawer.over_short_transaction = _post_over_short(drawer, difference, acting_user)
    drawer.save()
    return drawer


def _post_over_short(drawer: Drawer, difference: Decimal, acting_user: Any) -> Any:
    """Over: debit cash, credit over/short. Short: the reverse. Never netted elsewhere."""
    writer = writer_for(acting_user)
    cash = writer.chart.gl(GLRole.CASH)
    over_short = writer.chart.gl(GLRole.OVER_SHORT)
    word = "over" if difference > 0 else "short"
    return writer.post_now(
        kind=TransactionKind.OVER_SHORT,
        lines=[
            Line(gl_account=cash, amount=difference),
            Line(gl_account=over_short, amount=-difference),
        ],
        memo=f"Drawer {drawer.pk} {word} {abs(difference)} at close ({drawer.business_date})",
        source=f"drawer {drawer.pk}",
    )
