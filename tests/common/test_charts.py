"""The shared chart geometry: the worked example of the module docstring, nice axis tops,
stacked bars, and numbers that stay Decimal in what a person reads."""

from __future__ import annotations

from decimal import Decimal as D

from billing_site.common.charts import Series, band, bar_chart, line_chart, nice_top


def test_it_draws_the_worked_example():
    chart = bar_chart(
        id="c", title="T", categories=["A", "B"], series=[Series("S", [D(30), D(45)])]
    )
    first = chart.rects[0]
    assert (first.x, first.width, first.height, first.y) == (106.6, 198.8, 72.0, 132.0)
    assert [t.label for t in chart.ticks] == ["$0.00", "$20.00", "$40.00", "$60.00", "$80.00"]
    assert first.title == "S, A: $30.00"
    assert [(r.label, r.total) for r in chart.table_rows] == [("A", "$30.00"), ("B", "$45.00")]


def test_it_picks_nice_axis_tops():
    assert nice_top(D(45)) == D(80)
    assert nice_top(D("90.50")) == D(100)
    assert nice_top(D("1234.56")) == D(2000)
    assert nice_top(D(0)) == D(4)


def test_it_stacks_bars_on_each_other():
    chart = bar_chart(id="c", title="T", categories=["A"], stacked=True,
                      series=[Series("Cash", [D(10)]), Series("Card", [D(30)])])  # fmt: skip
    cash, card = chart.rects
    assert cash.y + cash.height == chart.base and card.y + card.height == cash.y
    assert chart.table_rows[0].total == "$40.00"


def test_it_keeps_the_bills_usage_slots():
    assert band(0, 13, 520) == (6.0, 28.0, 20.0)  # the bill's 13 months over 520 units


def test_it_draws_a_trend_line_through_each_slot():
    chart = line_chart(id="l", title="T", categories=["A", "B"], series=[Series("S", [D(1), None])])
    assert chart.lines[0].points.count(",") == 1 and not chart.empty
