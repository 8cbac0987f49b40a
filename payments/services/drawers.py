"""Opening and closing a clerk's cash drawer; over/short posted per drawer."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from billing_site.common.cards import refuse_card_numbers
from billing_site.common.money import CURRENCY, ZERO
from billing_site.common.roles import require_perm
from ledger.choices import GLRole, TransactionKind
from ledger.services import Line, reverse_transaction, writer_for

from ..choices import DrawerStatus
from ..models import Closeout, Drawer
from ..selectors import drawer_expected
from ._common import amount_for, count_total, refuse, today


@transaction.atomic
def drawer_open(*, counts: dict[str, int], acting_user: Any) -> Drawer:
    """Open the acting clerk's drawer for the open business day with a counted float."""
    require_perm(acting_user, "payments.use_drawer")
    business_date = today()
    if (
        Drawer.objects.select_for_update()
        .filter(clerk=acting_user, status=DrawerStatus.OPEN)
        .exists()
    ):
        raise refuse(None, "You already have an open drawer; close it before opening another.")
    float_amount = count_total(counts)
    return Drawer.objects.create(
        clerk=acting_user,
        business_date=business_date,
        float_amount=Money(float_amount, CURRENCY),
        float_counts={k: v for k, v in counts.items() if v},
    )


def own_open_drawer(drawer: Drawer | None, acting_user: Any, *, on: Any = None) -> Drawer:
    """Lock and return the acting user's open drawer for business day ``on``; refuse others.

    ``drawer`` None means "the acting user's open drawer", found and locked in the
    same one query; ``on`` is the open business date when the caller already
    read it (the payment post reads it once, with the ledger writer).
    """
    found = Drawer.objects.select_for_update()
    if drawer is None:
        drawer = found.filter(clerk=acting_user, status=DrawerStatus.OPEN).first()
        if drawer is None:
            raise refuse(None, "Open your drawer with its starting float first.")
    else:
        drawer = found.get(pk=drawer.pk)
    if drawer.clerk_id != acting_user.pk:
        raise refuse(None, "This is not your drawer: nobody works in someone else's drawer.")
    if drawer.status != DrawerStatus.OPEN:
        raise refuse(None, f"Drawer {drawer.pk} is closed.")
    if drawer.business_date != (on or today()):
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
        refuse_card_numbers(checks=number)
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
    drawer._change_reason = f"Counted and closed by {acting_user.username}"  # type: ignore[attr-defined]
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


@transaction.atomic
def drawer_reopen(*, drawer: Drawer, reason: str, acting_user: Any) -> Drawer:
    """A supervisor reopens a closed drawer for a recount, before the day's closeout.

    The over/short posted at the close is reversed (the recount posts its own),
    the count is cleared, and the drawer's history names the supervisor and the
    reason. Nobody reopens their own drawer: the recount is the clerk's, the
    decision to allow it a second person's.
    """
    require_perm(acting_user, "payments.run_closeout")
    refuse_card_numbers(reason=reason)
    drawer = Drawer.objects.select_for_update().get(pk=drawer.pk)
    if not reason.strip():
        raise refuse("reason", "Say why the drawer is counted again.")
    if drawer.clerk_id == acting_user.pk:
        raise refuse(None, "Another supervisor reopens your own drawer.")
    if drawer.status != DrawerStatus.CLOSED:
        raise refuse(None, f"Drawer {drawer.pk} is not closed.")
    if (
        drawer.business_date != today()
        or Closeout.objects.filter(business_date=drawer.business_date).exists()
    ):
        raise refuse(None, f"The closeout of {drawer.business_date} is done; it cannot reopen.")
    if Drawer.objects.filter(clerk_id=drawer.clerk_id, status=DrawerStatus.OPEN).exists():
        raise refuse(None, "The clerk has another drawer open; close it first.")
    if drawer.over_short_transaction is not None:
        reverse_transaction(
            original=drawer.over_short_transaction,
            memo=f"Drawer {drawer.pk} reopened for recount: {reason.strip()[:200]}",
            acting_user=acting_user,
        )
    _clear_count(drawer)
    why = f"Reopened for recount by {acting_user.username}: {reason.strip()}"
    drawer._change_reason = why[:100]  # type: ignore[attr-defined]
    drawer.save()
    return drawer


def _clear_count(drawer: Drawer) -> None:
    drawer.status = DrawerStatus.OPEN
    drawer.closed_at = None
    drawer.counted_counts = {}
    drawer.counted_cash = None
    drawer.counted_checks = []
    drawer.expected_cash = None
    drawer.expected_checks = None
    drawer.over_short = None
    drawer.over_short_transaction = None
