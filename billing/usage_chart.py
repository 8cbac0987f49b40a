"""The 13-month usage history on a bill: this bill's month and the twelve before it.

Each month's use is what the account's bills of that month were computed on: for a
bill, the use of its first metered service (the service of its first line that
carries a use, water on most bills: sewer billed on water use repeats the same
number, so services are never added up); when a month has several bills (a rebill),
the last one counts. Only posted bills count, and the bill being printed itself
(draft or posted). A month with no bill shows no bar. An estimated use is marked.

The chart is an SVG drawn on the server (no JavaScript, nothing fetched): one slot
per month, bars scaled to the largest month, this bill's month in black, an estimated
month outlined dashed, and under each bar its month and use as SVG text (real text in
the PDF, so the numbers can be read back; SVG text rather than an HTML table under
the chart: the table cost about 35 ms of layout per bill). The bars' geometry is the
shared one of ``billing_site.common.charts`` (``band``, ``bar_height``); the bill keeps its
own template (``billing/pdf/_usage_chart.html``) because its print look (black current
month, dashed estimates, millimetre size, mono font) is not the screen charts' look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from billing_site.common.charts import band, bar_height

from .choices import BillStatus
from .models import Bill, BillLine

MONTHS = 13
WIDTH, BASE = 520, 70  # SVG user units (viewBox 520 x 100): the bars stand on y = BASE
BAR_TOP = 8


@dataclass(frozen=True)
class UsageMonth:
    month: date  # the first of the month
    usage: Decimal | None
    estimated: bool = False
    current: bool = False


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    middle: float
    month: date
    usage: Decimal | None
    current: bool
    estimated: bool


def month_starts(last: date) -> list[date]:
    """The first days of the 13 months ending with ``last``'s month, oldest first."""
    index = last.year * 12 + last.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - MONTHS + 1, index + 1)]


def usage_history(bill: Bill) -> list[UsageMonth]:
    """The account's use in each of the 13 months ending with ``bill``'s period."""
    months = month_starts(bill.period_end)
    rows = (
        BillLine.objects.filter(
            Q(bill__status=BillStatus.POSTED) | Q(bill_id=bill.pk),
            bill__account_id=bill.account_id,
            bill__period_end__gte=months[0],
            bill__period_end__lte=bill.period_end,
            usage__isnull=False,
        )
        .order_by("bill__period_end", "bill_id", "position")
        .values_list("bill_id", "bill__period_end", "service_id", "usage", "estimated")
    )
    per_bill: dict[int, tuple[date, int, Decimal, bool]] = {}
    for bill_id, period_end, service_id, usage, estimated in rows:
        first = per_bill.setdefault(bill_id, (period_end, service_id, usage, estimated))
        if first[1] == service_id and usage > first[2]:
            per_bill[bill_id] = (period_end, service_id, usage, estimated or first[3])
    by_month: dict[date, tuple[Decimal, bool]] = {}
    for _bill_id, (period_end, _service, usage, estimated) in sorted(
        per_bill.items(), key=lambda item: (item[1][0], item[0] == bill.pk, item[0])
    ):
        by_month[period_end.replace(day=1)] = (usage, estimated)
    current = months[-1]
    return [
        UsageMonth(m, *(by_month.get(m) or (None, False)), current=m == current) for m in months
    ]


def chart_bars(history: list[UsageMonth]) -> list[Bar]:
    """Geometry of the chart's bars (SVG user units), one slot per month, drawn with the
    shared chart geometry (``billing_site.common.charts``: slot, bar width, height)."""
    top = max((m.usage for m in history if m.usage is not None), default=Decimal(0))
    bars = []
    for i, month in enumerate(history):
        x, width, middle = band(i, len(history), WIDTH)
        height = bar_height(month.usage, top, BASE - BAR_TOP)
        bars.append(
            Bar(
                x=x,
                y=round(BASE - height, 1),
                width=width,
                height=height,
                middle=middle,
                month=month.month,
                usage=month.usage,
                current=month.current,
                estimated=month.estimated,
            )
        )
    return bars
