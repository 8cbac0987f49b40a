"""Server-rendered SVG charts: bar charts (grouped or stacked) and a simple trend line.

Decimal in, geometry out. Values stay ``Decimal`` from the selector to the data table
under the chart; floats appear only in the geometry (x, y, widths and heights in SVG
user units, rounded to 0.1), never in an amount a person reads. Every chart is
accessible without the picture: the SVG has ``role="img"`` and an ``aria-label``,
every bar and point a ``<title>`` ("Cash, 10:00: $120.00"), and the template
(``common/partials/_chart.html``) prints the same numbers in a table below it.

Worked geometry (a 640 x 240 chart, plot area from x = 64 to 632, y = 12 to 204):
values 30 and 45 in two categories, one series. The axis top is four "nice" ticks
(each 1, 2, 2.5 or 5 times a power of ten) at or above the largest value: 45 / 4 = 11.25
-> ticks of 20, top 80 (0, 20, 40, 60, 80). Each category has a slot of 568 / 2 = 284
and its bar takes ``fill`` (0.7) of it, centred: the first bar x = 64 + 284 * 0.15 =
106.6, width 198.8, height 192 * 30 / 80 = 72, y = 204 - 72 = 132.

The bill's usage chart (``billing.usage_chart``) uses :func:`band` and
:func:`bar_height` for its bars, so both draw bars the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .money import format_money

ZERO = Decimal(0)
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
TICKS = 4
PALETTE = 6  # series get the CSS classes chart-s0 .. chart-s5 (static/css/app.css)


def band(index: int, count: int, width: float, *, fill: float = 0.7, left: float = 0.0):
    """(x, bar width, middle) of slot ``index`` of ``count`` over ``width`` units."""
    slot = width / count
    margin = round((1 - fill) / 2, 10)  # 0.15, not 0.15000000000000002
    return (
        round(left + index * slot + slot * margin, 1),
        round(slot * fill, 1),
        round(left + index * slot + slot / 2, 1),
    )


def bar_height(value: Decimal | None, top: Decimal, span: float) -> float:
    """Height of ``value`` on an axis of ``span`` units topping at ``top`` (0 when empty)."""
    share = float(value / top) if value and top else 0.0
    return round(span * share, 1)


def nice_top(largest: Decimal) -> Decimal:
    """The axis top: the smallest nice number (1, 2, 2.5, 5 x 10^k) >= ``largest`` / TICKS,
    times TICKS, so every tick is a round figure."""
    if largest <= 0:
        return Decimal(TICKS)
    raw = largest / TICKS
    power = Decimal(10) ** (raw.adjusted())
    step = next(s * power for s in NICE_STEPS if s * power >= raw)
    return step * TICKS


@dataclass(frozen=True)
class Series:
    """One series: its label, one value per category (None: no value), its CSS class."""

    label: str
    values: Sequence[Decimal | None]
    css: str = ""


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Line:
    css: str
    label: str
    points: str  # "x,y x,y ..." for <polyline points>
    dots: list[tuple[float, float, str]]  # each point with its <title>


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[str]
    total: str


@dataclass(frozen=True)
class Chart:
    """What ``common/partials/_chart.html`` draws: the SVG geometry and the data table."""

    id: str
    title: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    base: float
    rects: list[Rect]
    lines: list[Line]
    ticks: list[Tick]
    x_labels: list[Label]
    legend: list[tuple[str, str]]  # (css, label)
    table_head: list[str]
    table_rows: list[TableRow]
    empty: bool

    @property
    def tick_x(self) -> float:
        return self.plot_left - 6

    @property
    def label_y(self) -> float:
        return self.base + 16

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


@dataclass(frozen=True)
class _Frame:
    width: int
    height: int
    left: float = 64.0
    right_pad: float = 8.0
    top: float = 12.0
    bottom_pad: float = 36.0

    @property
    def right(self) -> float:
        return self.width - self.right_pad

    @property
    def base(self) -> float:
        return self.height - self.bottom_pad

    @property
    def span(self) -> float:
        return self.base - self.top


def _css(series: Sequence[Series]) -> list[str]:
    return [s.css or f"chart-s{n % PALETTE}" for n, s in enumerate(series)]


def _ticks(top: Decimal, frame: _Frame, fmt: Callable[[Decimal], str]) -> list[Tick]:
    return [
        Tick(round(frame.base - frame.span * n / TICKS, 1), fmt(top * n / TICKS))
        for n in range(TICKS + 1)
    ]


def _table(
    categories: Sequence[str], series: Sequence[Series], fmt: Callable[[Decimal], str]
) -> tuple[list[str], list[TableRow]]:
    rows = []
    for i, category in enumerate(categories):
        values = [s.values[i] for s in series]
        total = sum((v for v in values if v is not None), ZERO)
        cells = ["" if v is None else fmt(v) for v in values]
        rows.append(TableRow(category, cells, fmt(total)))
    return [s.label for s in series], rows


def money_label(value: Decimal) -> str:
    return format_money(value)


def count_label(value: Decimal) -> str:
    return f"{value.normalize():,f}" if value == value.to_integral() else f"{value:,.1f}"


def bar_chart(
    *,
    id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    stacked: bool = False,
    width: int = 640,
    height: int = 240,
    fmt: Callable[[Decimal], str] = money_label,
    label_every: int = 1,
) -> Chart:
    """Bars per category: one beside the other per series (grouped) or on top (stacked)."""
    frame = _Frame(width, height)
    css = _css(series)
    n = len(categories)
    if stacked:
        largest = max(
            (sum((v or ZERO for v in col), ZERO) for col in _columns(series, n)), default=ZERO
        )
    else:
        largest = max((v for s in series for v in s.values if v is not None), default=ZERO)
    top = nice_top(largest)
    rects: list[Rect] = []
    x_labels: list[Label] = []
    for i, category in enumerate(categories):
        x, bar_w, middle = band(i, n, frame.right - frame.left, left=frame.left)
        if i % label_every == 0:
            x_labels.append(Label(middle, category))
        rects += _category_rects(
            category, [s.values[i] for s in series], series, css, x, bar_w, top, frame, stacked, fmt
        )
    head, rows = _table(categories, series, fmt)
    return Chart(
        id, title, width, height, frame.left, frame.right, frame.base, rects, [],
        _ticks(top, frame, fmt), x_labels, list(zip(css, [s.label for s in series], strict=True)),
        head, rows, largest == 0,
    )  # fmt: skip


def _columns(series: Sequence[Series], n: int) -> list[list[Decimal | None]]:
    return [[s.values[i] for s in series] for i in range(n)]


def _category_rects(
    category: str,
    values: list[Decimal | None],
    series: Sequence[Series],
    css: list[str],
    x: float,
    bar_w: float,
    top: Decimal,
    frame: _Frame,
    stacked: bool,
    fmt: Callable[[Decimal], str],
) -> list[Rect]:
    rects = []
    below = ZERO
    each = round(bar_w / len(series), 1) if series else bar_w
    for k, value in enumerate(values):
        if not value or value <= 0:
            continue
        title = f"{series[k].label}, {category}: {fmt(value)}"
        if stacked:
            y0 = frame.base - bar_height(below, top, frame.span)
            below += value
            y1 = frame.base - bar_height(below, top, frame.span)
            rects.append(Rect(x, round(y1, 1), bar_w, round(y0 - y1, 1), css[k], title))
        else:
            h = bar_height(value, top, frame.span)
            rects.append(
                Rect(round(x + k * each, 1), round(frame.base - h, 1), each, h, css[k], title)
            )
    return rects


def line_chart(
    *,
    id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    width: int = 640,
    height: int = 240,
    fmt: Callable[[Decimal], str] = money_label,
    label_every: int = 1,
) -> Chart:
    """A trend: one polyline per series through the middle of each category's slot."""
    frame = _Frame(width, height)
    css = _css(series)
    n = len(categories)
    largest = max((v for s in series for v in s.values if v is not None), default=ZERO)
    top = nice_top(largest)
    middles = [band(i, n, frame.right - frame.left, left=frame.left)[2] for i in range(n)]
    lines = []
    for k, s in enumerate(series):
        dots = [
            (middles[i], round(frame.base - bar_height(v, top, frame.span), 1),
             f"{s.label}, {categories[i]}: {fmt(v)}")
            for i, v in enumerate(s.values) if v is not None
        ]  # fmt: skip
        lines.append(Line(css[k], s.label, " ".join(f"{x},{y}" for x, y, _t in dots), dots))
    labels = [Label(middles[i], c) for i, c in enumerate(categories) if i % label_every == 0]
    head, rows = _table(categories, series, fmt)
    return Chart(
        id, title, width, height, frame.left, frame.right, frame.base, [], lines,
        _ticks(top, frame, fmt), labels, list(zip(css, [s.label for s in series], strict=True)),
        head, rows, largest == 0,
    )  # fmt: skip
