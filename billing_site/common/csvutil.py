"""CSV downloads: every report is also a CSV file a spreadsheet opens safely.

Text cells that begin with ``=``, ``+``, ``-``, ``@``, tab or carriage return
are prefixed with an apostrophe so a spreadsheet shows them instead of running
them as formulas; plain numbers (including negative amounts) are left alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def cell(value: Any) -> str:
    """One value as spreadsheet-safe text."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    amount = getattr(value, "amount", None)
    if isinstance(amount, Decimal):
        return f"{amount:.2f}"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """An attachment download of ``rows`` under ``header``, UTF-8 with a BOM for Excel."""
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "report.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return response
