"""``manage.py quote_bill --rates FILE --schedule CODE --usage N --days D [--units N]
[--eru N] [--meter-size S] [--from DATE]``: one service's bill from a rate file, every
line with its arithmetic. Reads the file only; the database is not touched."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing.engine import Determinants, RateRefused, period_of, quote
from billing.ratefile import load, version_spec
from billing_site.common.money import format_money


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"{text!r} is not a number.") from None
    if not value.is_finite() or value < 0:
        raise CommandError(f"{text!r} is not a number of zero or more.")
    return value


class Command(BaseCommand):
    help = "Quote one service's bill from a rate file, with the arithmetic of every line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rates", required=True, help="Rate file (docs/rates.md)")
        parser.add_argument("--schedule", required=True, help="Schedule code, like W-RES")
        parser.add_argument("--usage", required=True, type=_decimal, help="Use in the period")
        parser.add_argument("--days", required=True, type=int, help="Days billed")
        parser.add_argument("--units", type=int, default=1, help="Dwelling units (default 1)")
        parser.add_argument("--eru", type=_decimal, help="Equivalent residential units")
        parser.add_argument("--carts", type=int, help="Solid-waste carts")
        parser.add_argument("--meter-size", default="", help="Meter size, like 5/8 or 1")
        parser.add_argument("--from", dest="start", type=date.fromisoformat,
                            help="First day billed (default: --days ago)")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        try:
            schedules = {s["code"]: s for s in load(Path(options["rates"]).read_text())}
        except OSError as error:
            raise CommandError(f"Cannot read {options['rates']}: {error.strerror}.") from None
        except RateRefused as refused:
            raise CommandError(str(refused)) from None
        schedule = schedules.get(options["schedule"])
        if schedule is None:
            raise CommandError(
                f"No schedule {options['schedule']} in the file (it has {', '.join(schedules)})."
            )
        self.stdout.write(self._quote(schedule, options))

    def _quote(self, schedule: dict[str, Any], options: dict[str, Any]) -> str:
        start = options["start"] or timezone.localdate() - timedelta(days=options["days"])
        first, last = period_of(start=start, days=options["days"])
        usage = options["usage"]
        services = {c["usage_service"] for v in schedule["versions"] for c in v["components"]}
        determinants = Determinants(
            usage=usage,
            usage_by_service=dict.fromkeys((services - {""}) | {schedule["service"]}, usage),
            dwelling_units=options["units"],
            meter_size=options["meter_size"],
            eru=options["eru"],
            carts=options["carts"],
        )
        try:
            result = quote(
                versions=[version_spec(v) for v in schedule["versions"]],
                start=first,
                end=last,
                determinants=determinants,
            )
        except RateRefused as refused:
            raise CommandError(str(refused)) from None
        width = max(len(line.label) for line in result.lines)
        out = [f"{schedule['code']} {schedule['name']}: {first:%Y-%m-%d} to {last:%Y-%m-%d} "
               f"({result.days} days), use {usage:,f}"]  # fmt: skip
        out += [f"  {line.label:<{width}}  {line.arithmetic}" for line in result.lines]
        out.append(f"  {'Total':<{width}}  {format_money(result.total)}")
        return "\n".join(out)
