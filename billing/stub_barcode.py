"""The Code 128 barcode on a bill's remittance stub: the scanline, as bars a USB scanner reads.

A counter's stub scanner decodes the bars and types the 29 scanline digits followed by
Enter into the payment screen, which reads them with ``billing.scanline.parse_scanline``.

python-barcode encodes the digits (code set C, two digits a symbol, its check symbol
and stop pattern) into modules; the bars are drawn here as one SVG ``<path>`` of one
rectangle per bar, in module units, placed inline in the bill's HTML so WeasyPrint
draws vector bars (sharp at any printer resolution) with no image file. Decision: not
python-barcode's own SVG writer, whose hundred ``<rect>`` elements each go through
WeasyPrint's CSS cascade and SVG drawing, about 40 ms of CPU per bill against about 2
for one path (``bench/bill_pdf.py``). Modules are 0.33 mm wide (a common minimum for
laser printers and handheld scanners), the bars 12 mm tall, with the 10-module quiet
zone Code 128 asks for on each side.
"""

from __future__ import annotations

import re

import barcode
from django.utils.safestring import SafeString, mark_safe

MODULE_MM = 0.33
HEIGHT_MM = 12.0
QUIET = 10  # modules each side
BAR = re.compile("1+")


def code128_modules(text: str) -> str:
    """The barcode as modules, ``1`` for bar and ``0`` for space (start to stop)."""
    return str(barcode.get("code128", text).build()[0])


def code128_svg(text: str) -> SafeString:
    """``text`` (the scanline: digits only) as an inline ``<svg>`` Code 128 barcode."""
    if not text.isdigit():
        raise ValueError("The stub's barcode encodes the scanline's digits only.")
    modules = code128_modules(text)
    path = "".join(
        f"M{m.start()} 0h{len(m.group())}v1h-{len(m.group())}z" for m in BAR.finditer(modules)
    )
    wide = len(modules) + 2 * QUIET
    # Digits only went in, so the markup holds nothing typed by a person.
    return mark_safe(  # noqa: S308
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-{QUIET} 0 {wide} 1" '
        f'preserveAspectRatio="none" width="{wide * MODULE_MM:.2f}mm" height="{HEIGHT_MM}mm" '
        f'role="img" aria-label="Barcode {text}"><path d="{path}" fill="#000"/></svg>'
    )
