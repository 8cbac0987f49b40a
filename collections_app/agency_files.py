"""The files exchanged with a collection agency (layouts in docs/collections.md).

**Placement file** (we send; UTF-8 CSV, one header row, every text cell formula-safe
through ``csvutil.cell``): one row per referred account with ``PLACEMENT_HEADER``'s columns.
The address is the forwarding address when the account has one (``address_kind``
``forwarding``), else the customer's mailing address (``mailing``): the last known one.
Amounts by age count each open charge from its bill date (collections' FIFO rule).

**Remittance file** (the agency sends): header ``REMITTANCE_HEADER``
(``account,gross,commission,net,collected_on``), one row per payment the agency collected,
then the trailer ``trailer,<rows>,<total gross>,<total net>`` as its last line. Amounts are
positive dollars with cents; dates YYYY-MM-DD. Reading refuses the whole file (one message
per bad line, nothing posted) on a wrong header, a bad amount or date, net not gross less
commission, a missing or wrong trailer, text that looks like a payment card number (never
echoed). Whether each account may take the row (referred to this agency, the commission
the agency's percent within a cent) is checked by the service, also before posting.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing_site.common.cards import looks_like_card_number
from billing_site.common.csvutil import cell
from billing_site.common.money import parse_amount

PLACEMENT_HEADER = (
    "placement", "referral_date", "account", "customer", "last_name", "first_name",
    "organisation", "address_kind", "address_line1", "address_line2", "city", "state", "zip",
    "phone", "alt_phone", "email", "final_bill_number", "final_bill_date", "final_due_date",
    "amount_0_30", "amount_31_60", "amount_61_90", "amount_91_120", "amount_over_120",
    "placement_fee", "total_referred",
)  # fmt: skip
AGE_LIMITS = (30, 60, 90, 120)
REMITTANCE_HEADER = ("account", "gross", "commission", "net", "collected_on")
TRAILER = "trailer"
MAX_ROWS = 50_000


def csv_bytes(header: tuple[str, ...], rows: list[list[object]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def age_buckets(parts: list[tuple[date | None, Decimal]], *, as_of: date) -> list[Decimal]:
    """Open amounts in the placement file's five age columns (None: older than any charge)."""
    buckets = [Decimal("0.00")] * (len(AGE_LIMITS) + 1)
    for charged_on, amount in parts:
        days = (as_of - charged_on).days if charged_on else 10**6
        index = next((i for i, top in enumerate(AGE_LIMITS) if days <= top), len(AGE_LIMITS))
        buckets[index] += amount
    return buckets


class RemittanceFormatError(ValueError):
    """The remittance file cannot be read; ``problems`` has one message per bad line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RemittanceRow:
    line: int
    account: str
    gross: Decimal
    commission: Decimal
    net: Decimal
    collected_on: date


def parse_remittance(data: bytes) -> list[RemittanceRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RemittanceFormatError(
            ["The file is not UTF-8 text; export it as UTF-8 CSV."]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != REMITTANCE_HEADER:
        raise RemittanceFormatError(
            [f"Line 1: wrong columns; the header must be {','.join(REMITTANCE_HEADER)}."]
        )
    rows: list[RemittanceRow] = []
    problems: list[str] = []
    trailer: list[str] | None = None
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if trailer is not None:
            problems.append(f"Line {line}: comes after the trailer (it must be the last line).")
            continue
        if fields[0].strip().lower() == TRAILER:
            trailer = fields
            continue
        row = _row(line, fields, problems)
        if row is not None:
            rows.append(row)
        if len(rows) > MAX_ROWS:
            raise RemittanceFormatError([f"More than {MAX_ROWS} rows: split the file."])
    if not rows and not problems:
        problems.append("The file has a header but no payments.")
    if not problems:
        problems += _trailer_problems(trailer, rows)
    if problems:
        raise RemittanceFormatError(problems)
    return rows


def _row(line: int, fields: list[str], problems: list[str]) -> RemittanceRow | None:
    if len(fields) != len(REMITTANCE_HEADER):
        problems.append(f"Line {line}: {len(fields)} columns, expected {len(REMITTANCE_HEADER)}.")
        return None
    for name, value in zip(REMITTANCE_HEADER, fields, strict=True):
        if looks_like_card_number(value):
            problems.append(f"Line {line}: the {name} column looks like a payment card number.")
            return None
    amounts: dict[str, Decimal] = {}
    for name, value in zip(REMITTANCE_HEADER[1:4], fields[1:4], strict=True):
        try:
            amounts[name] = parse_amount(value)
        except ValueError as error:
            problems.append(f"Line {line}: {name} {value.strip()!r} is not an amount: {error}")
            return None
    try:
        collected_on = date.fromisoformat(fields[4].strip())
    except ValueError:
        problems.append(
            f"Line {line}: collected_on {fields[4].strip()!r} is not a YYYY-MM-DD date."
        )
        return None
    gross, commission, net = amounts["gross"], amounts["commission"], amounts["net"]
    if gross <= 0 or commission < 0 or net < 0:
        problems.append(f"Line {line}: gross must be above zero, commission and net not below.")
        return None
    if net != gross - commission:
        problems.append(
            f"Line {line}: net {net} is not gross {gross} less commission {commission} "
            f"({gross - commission})."
        )
        return None
    return RemittanceRow(line, fields[0].strip(), gross, commission, net, collected_on)


def _trailer_problems(trailer: list[str] | None, rows: list[RemittanceRow]) -> list[str]:
    if trailer is None:
        return ["The file has no trailer line (trailer,<rows>,<total gross>,<total net>)."]
    try:
        count, gross, net = int(trailer[1]), parse_amount(trailer[2]), parse_amount(trailer[3])
    except (IndexError, ValueError):
        return ["The trailer must read trailer,<rows>,<total gross>,<total net>."]
    found = (
        len(rows),
        sum((r.gross for r in rows), Decimal(0)),
        sum((r.net for r in rows), Decimal(0)),
    )
    if (count, gross, net) != found or len(trailer) != 4:
        return [
            f"The trailer says {count} rows, gross {gross}, net {net}; the file holds "
            f"{found[0]} rows, gross {found[1]}, net {found[2]}. Ask the agency to send it again."
        ]
    return []
