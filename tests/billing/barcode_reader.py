"""Read a Code 128 barcode back as a scanner does: from the bars' widths alone.

``bars_in_pdf`` finds the bars WeasyPrint drew for the stub's SVG barcode path in a PDF
page's content stream (one closed rectangle per bar); ``decode_bars`` turns their positions into
modules (bar and space widths in multiples of the narrowest bar) and decodes the
symbols with python-barcode's own pattern table, checking the mod-103 check symbol.
"""

from __future__ import annotations

import re

from barcode.charsets import code128

# One bar of the stub's path: a rectangle from (x, 0) to (x2, 1) in module units.
BAR = re.compile(rb"([\d.]+) 0 m\n([\d.]+) 0 l\n[\d.]+ 1 l\n[\d.]+ 1 l\nh\n")
PATTERNS = {pattern: value for value, pattern in enumerate(code128.CODES)}
START_A, START_B, START_C = 103, 104, 105
CODE_B, CODE_C = 100, 99


def bars_in_pdf(content: bytes) -> list[tuple[float, float]]:
    """(x, width) of the barcode's bars as drawn in a PDF page's content stream."""
    bars = [(float(x), float(x2) - float(x)) for x, x2 in BAR.findall(content)]
    return sorted(bars)


def decode_bars(bars: list[tuple[float, float]]) -> str:
    """The text a Code 128 barcode of these bars encodes (ValueError if it does not read)."""
    unit = min(w for _x, w in bars)
    modules = ""
    end = bars[0][0]
    for x, w in bars:
        modules += "0" * round((x - end) / unit) + "1" * round(w / unit)
        end = x + w
    values = []
    for i in range(0, len(modules) - 13, 11):
        values.append(PATTERNS[modules[i : i + 11]])
    if modules[-13:] != code128.STOP + "11" or not values:
        raise ValueError("No stop symbol: not a Code 128 barcode.")
    *data, check = values
    if sum(v * max(i, 1) for i, v in enumerate(data)) % 103 != check:
        raise ValueError("The barcode's check symbol does not match.")
    return _text(data)


def _text(values: list[int]) -> str:
    text, charset = "", {START_B: "B", START_C: "C", START_A: "A"}[values[0]]
    for value in values[1:]:
        if charset == "C" and value < 100:
            text += f"{value:02d}"
        elif value == CODE_B:
            charset = "B"
        elif value == CODE_C:
            charset = "C"
        else:
            text += chr(value + 32)  # code set B
    return text
