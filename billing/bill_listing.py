"""The bill's facts, reads and charges as fixed-width listing lines.

Why lines and not tables: WeasyPrint lays a table out cell by cell (each cell's
minimum and maximum content width, then the rows), about 4 ms of CPU per row; the
bill's 25 rows were half of its 220 ms. The same rows as lines of a ``<pre>`` block in
the shipped monospace font are one line box each (docs/bench.md, bill_pdf). Columns
are padded here; a long charge label wraps onto continuation lines under itself, so
the amounts stay in one column.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from billing_site.common.money import format_money

WIDTH = 94  # characters of 9 pt DejaVu Sans Mono across the page's 184 mm
AMOUNT = 14  # the amount column, right-aligned at the end of the line
SERVICE = 14


@dataclass(frozen=True)
class Line:
    text: str
    bold: bool = False


def _money(value: Any) -> str:
    return format_money(getattr(value, "amount", value))


def _day(value: Any) -> str:
    return f"{value:%b} {value.day}, {value.year}"


def facts(context: dict[str, Any]) -> list[Line]:
    """Two label/value columns a line: the account, the dates and the period."""
    bill = context["bill"]
    period = f"{_day(bill.period_start)} to {_day(bill.period_end)}"
    rows = [
        ("Account", context["account"].number, "Bill number", str(bill.number or "(draft)")),
        ("Service address", str(context["premise"]), "Bill date", _day(bill.run.bill_date)),
        ("Period", period, "Due date", _day(bill.due_date)),
    ]
    return [Line(f"{a:<16}{b:<48.48}{c:<13}{d}") for a, b, c, d in rows]


def stub(context: dict[str, Any]) -> list[Line]:
    """The remittance stub's facts."""
    bill = context["bill"]
    rows = [
        (context["city_name"], context["customer"].display_name),
        ("Account number", context["account"].number),
        (
            "Amount due + deposit" if bill.deposit_due.amount > 0 else "Amount due",
            _money(bill.stub_amount),
        ),
        ("Due date", _day(bill.due_date)),
        ("Amount paid", "$ ____________"),
    ]
    return [Line(f"{label[:24]:<26}{value}", bold=n == 2) for n, (label, value) in enumerate(rows)]


def charge(label: str, amount: Any, *, service: str = "", bold: bool = False) -> list[Line]:
    """One charge: service, label (wrapped), the amount at the right."""
    width = WIDTH - AMOUNT - SERVICE
    wrapped = textwrap.wrap(label, width=width) or [""]
    first = f"{service:<{SERVICE}.{SERVICE}}{wrapped[0]:<{width}}{_money(amount):>{AMOUNT}}"
    rest = [Line(" " * SERVICE + more, bold) for more in wrapped[1:]]
    return [Line(first, bold), *rest]


def charges(context: dict[str, Any]) -> list[Line]:
    """Previous balance down to the amount due (and the budget amount where enrolled)."""
    bill = context["bill"]
    lines = [
        Line(
            f"{'Service':<{SERVICE}}{'Charge':<{WIDTH - AMOUNT - SERVICE}}{'Amount':>{AMOUNT}}",
            True,
        )
    ]
    lines += charge("Previous balance", bill.previous_balance)
    lines += charge("Payments since the last bill", bill.payments)
    lines += charge("Adjustments and other changes", bill.adjustments)
    for one in context["one_time_charges"]:
        reason = f" ({one.reason})" if one.reason else ""
        lines += charge(f"of which one-time charge: {one.fee.name}{reason}", one.amount)
    for line in context["lines"]:
        label = line.label + (" (estimated)" if line.estimated else "")
        lines += charge(label, line.amount, service=line.service.name)
    lines += charge("New charges", bill.new_charges)
    lines += charge(f"Amount due by {_day(bill.due_date)}", bill.amount_due, bold=True)
    if context["budget_amount"] is not None:
        lines += charge(
            "Budget billing: your budget amount this month", context["budget_amount"], bold=True
        )
    if bill.deposit_due.amount > 0:
        lines += charge(
            "Security deposit due with this bill (held by the city for this account and "
            "returned or applied later; not part of your balance)",
            bill.deposit_due,
        )
        lines += charge("Total to pay with the stub", bill.stub_amount, bold=True)
    return lines


def reads(context: dict[str, Any]) -> list[Line]:
    """The meter reads used: meter, date, reading, kind."""
    lines = [Line(f"{'Meter':<12}{'Read date':<11}{'Reading':>12}  Kind", True)]
    for read in context["reads"]:
        lines.append(Line(
            f"{read.meter.number:<12.12}{read.read_date:%Y-%m-%d} {read.reading:>12}  "
            f"{read.get_kind_display()}"
        ))  # fmt: skip
    return lines
