"""Read files in and out: the CSV of ``docs/read_format.md`` and the fixed-width handheld
route file (the same layout the route download writes, with readings filled in).

A file is refused whole, with line numbers, before anything is stored: wrong columns,
bad encoding, a bad value, a date in the future, the same meter twice on one date, a
field that looks like a payment card number (never stored, never echoed: the message
names the line and the column only). A meter number the city has on file is a meter,
however it looks: meters of 13 to 19 digits exist, and one in ten passes the card check.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from billing_site.common.cards import looks_like_card_number

CSV_COLUMNS = ("meter", "account", "read_date", "reading", "read_code")
MAX_PROBLEMS = 20

# Fixed-width route file: (name, first column, last column), 1-based and inclusive.
ROUTE_HEADER = "HD"
ROUTE_READ = "RD"
ROUTE_TRAILER = "TR"
ROUTE_FIELDS = (
    ("type", 1, 2),
    ("route", 3, 12),
    ("sequence", 13, 17),
    ("account", 18, 29),
    ("meter", 30, 49),
    ("read_date", 50, 57),  # YYYYMMDD, blank in a download
    ("reading", 58, 69),  # digits with an explicit decimal point, right-aligned
    ("read_code", 70, 71),
)
ROUTE_WIDTH = 71


class ReadFileRefused(ValueError):
    """The file cannot be imported; ``problems`` name the lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)[:MAX_PROBLEMS]
        more = len(problems) - len(self.problems)
        tail = f" (and {more} more)" if more > 0 else ""
        super().__init__("; ".join(self.problems) + tail)


@dataclass(frozen=True)
class ParsedRead:
    line: int
    meter_number: str
    account_number: str
    read_date: date
    reading: Decimal
    read_code: str


def decode(data: bytes) -> str:
    """UTF-8 (a byte-order mark is allowed); a bad byte is refused with its line number."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise ReadFileRefused(
                    [f"line {number}: not UTF-8 text (save the file as UTF-8)"]
                ) from None
        raise ReadFileRefused(["the file is not UTF-8 text"]) from None


def parse_csv(data: bytes, *, today: date) -> list[ParsedRead]:
    text = decode(data)
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or tuple(h.strip().lower() for h in header) != CSV_COLUMNS:
        raise ReadFileRefused([f"line 1: the columns must be {','.join(CSV_COLUMNS)}"])
    reads, problems = [], []
    # A cell's digits are the file's, less quotes: no long run in the file, no card in a cell.
    cards = _LONG_RUN.search(text.replace('"', "")) is not None
    body = list(rows)
    meters = _known_meters(r[0] for r in body if len(r) == len(CSV_COLUMNS)) if cards else set()
    for number, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            problems.append(f"line {number}: {len(row)} columns, expected {len(CSV_COLUMNS)}")
            continue
        if cards and _holds_card(problems, number, CSV_COLUMNS, row, meters):
            continue
        meter, account, day, reading, code = (cell.strip() for cell in row)
        _collect(reads, problems, number, meter, account, day, reading, code, today, "%Y-%m-%d")
    return _finish(reads, problems)


def parse_route_file(data: bytes, *, today: date) -> list[ParsedRead]:
    text = decode(data)
    cards = _LONG_RUN.search(text) is not None  # a field is a slice of its line
    lines = text.splitlines()
    problems: list[str] = []
    if not lines or not lines[0].startswith(ROUTE_HEADER):
        raise ReadFileRefused(["line 1: a route file starts with an HD header"])
    if not lines[-1].startswith(ROUTE_TRAILER):
        raise ReadFileRefused([f"line {len(lines)}: a route file ends with a TR trailer"])
    reads: list[ParsedRead] = []
    body = lines[1:-1]
    meters = _known_meters(route_fields(raw)["meter"] for raw in body) if cards else set()
    for number, raw in enumerate(body, start=2):
        if not raw.startswith(ROUTE_READ) or len(raw.rstrip()) > ROUTE_WIDTH:
            problems.append(f"line {number}: not an RD record of {ROUTE_WIDTH} columns")
            continue
        f = route_fields(raw)
        if cards and _holds_card(problems, number, tuple(f), list(f.values()), meters):
            continue
        _collect(
            reads, problems, number, f["meter"], f["account"], f["read_date"],
            f["reading"], f["read_code"], today, "%Y%m%d",
        )  # fmt: skip
    trailer_count = lines[-1][2:].strip()
    if looks_like_card_number(trailer_count):
        problems.append(f"line {len(lines)}: {CARD_IN_FIELD.format(column='trailer')}")
    elif trailer_count != str(len(body)):
        problems.append(
            f"line {len(lines)}: the trailer counts {trailer_count or 0} records, "
            f"the file has {len(body)}"
        )
    return _finish(reads, problems)


def route_fields(raw: str) -> dict[str, str]:
    padded = raw.ljust(ROUTE_WIDTH)
    return {name: padded[start - 1 : end].strip() for name, start, end in ROUTE_FIELDS}


def route_record(**values: str) -> str:
    """One fixed-width line; values longer than their field are refused."""
    out = []
    for name, start, end in ROUTE_FIELDS:
        width = end - start + 1
        value = values.get(name, "")
        if len(value) > width:
            raise ValueError(f"{name} {value!r} is wider than {width} columns")
        out.append(value.rjust(width) if name in ("reading", "sequence") else value.ljust(width))
    return "".join(out).rstrip()


def route_file(header: str, records: Iterable[str]) -> str:
    body = list(records)
    return "\n".join([f"{ROUTE_HEADER}{header}", *body, f"{ROUTE_TRAILER}{len(body)}"]) + "\n"


# A card number is 13 digits or more with single spaces or dashes between them, so it
# starts a run of 13 or more digits, spaces and dashes: a file or a line without such a
# run holds none (one cheap regex pass, about 1.5 us a line, instead of a check per field).
_LONG_RUN = re.compile(r"\d[\d \-]{12}")
CARD_IN_FIELD = (
    "the {column} looks like a payment card number; card numbers are never stored "
    "(ask for a file without it)"
)


def _known_meters(values: Iterable[str]) -> set[str]:
    """The card-like meter numbers of a file that are meters on file (one query)."""
    from .models import Meter

    candidates = {v.strip() for v in values if looks_like_card_number(v)}
    if not candidates:
        return set()
    return set(Meter.objects.filter(number__in=candidates).values_list("number", flat=True))


def _holds_card(
    problems: list[str],
    number: int,
    names: Sequence[str],
    values: Sequence[str],
    meters: set[str],
) -> bool:
    """Refuse a line with a field that holds a card number, naming the line and the column
    (a meter column naming a meter on file is that meter)."""
    if not _LONG_RUN.search("\0".join(values)):  # one pass: NUL ends a run
        return False
    held = [
        n
        for n, value in zip(names, values, strict=True)
        if looks_like_card_number(value) and not (n == "meter" and value.strip() in meters)
    ]
    for name in held:
        problems.append(f"line {number}: {CARD_IN_FIELD.format(column=name + ' column')}")
    return bool(held)


def _collect(
    reads: list[ParsedRead],
    problems: list[str],
    number: int,
    meter: str,
    account: str,
    day: str,
    reading: str,
    code: str,
    today: date,
    date_format: str,
) -> None:
    before = len(problems)
    if not meter:
        problems.append(f"line {number}: no meter number")
    try:
        read_date = datetime.strptime(day, date_format).date()
    except ValueError:
        problems.append(f"line {number}: the read date {day!r} is not a date")
        read_date = today
    if read_date > today:
        problems.append(f"line {number}: the read date {read_date:%Y-%m-%d} is in the future")
    try:
        value = Decimal(reading)
        if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidOperation
    except InvalidOperation:
        problems.append(f"line {number}: the reading {reading!r} is not a number like 12345.5")
        value = Decimal(0)
    if len(meter) > 30 or len(account) > 12 or len(code) > 10:
        problems.append(f"line {number}: a field is longer than the format allows")
    if len(problems) == before:
        reads.append(ParsedRead(number, meter, account, read_date, value, code))


def _finish(reads: list[ParsedRead], problems: list[str]) -> list[ParsedRead]:
    first_line: dict[tuple[str, date], int] = {}
    for read in reads:
        key = (read.meter_number, read.read_date)
        if key in first_line:
            problems.append(
                f"line {read.line}: meter {read.meter_number} on {read.read_date:%Y-%m-%d} "
                f"is also on line {first_line[key]}"
            )
        else:
            first_line[key] = read.line
    if problems:
        raise ReadFileRefused(problems)
    if not reads:
        raise ReadFileRefused(["the file has no reads"])
    return reads
