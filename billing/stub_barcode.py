"""The Code 128 barcode on a bill's remittance stub: the scanline, as bars a USB scanner reads.

A counter's stub scanner decodes the bars and types the 29 scanline digits followed by
Enter into the payment screen, which reads them with ``billing.scanline.parse_scanline``.

Drawn by python-barcode's SVG writer as plain rectangles (vector bars stay sharp at any
printer resolution) and placed inline in the bill's HTML, so WeasyPrint draws it into the
PDF with no image file. Modules are 0.33 mm wide (a common minimum for laser printers
and handheld scanners), 12 mm tall, with the 10-module quiet zone Code 128 asks for on
each side; python-barcode picks code set C (two digits per symbol) for the digits.
"""

from __future__ import annotations

import io

import barcode
from barcode.writer import SVGWriter
from django.utils.safestring import SafeString, mark_safe

MODULE_MM = 0.33
HEIGHT_MM = 12.0
QUIET_MM = 10 * MODULE_MM


def code128_svg(text: str) -> SafeString:
    """``text`` (the scanline: digits only) as an inline ``<svg>`` Code 128 barcode."""
    if not text.isdigit():
        raise ValueError("The stub's barcode encodes the scanline's digits only.")
    drawn = barcode.get("code128", text, writer=SVGWriter())
    out = io.BytesIO()
    drawn.write(
        out,
        options={
            "module_width": MODULE_MM,
            "module_height": HEIGHT_MM,
            "quiet_zone": QUIET_MM,
            "write_text": False,
            "compress": False,
        },
    )
    svg = out.getvalue().decode()
    svg = svg[svg.index("<svg") :]
    # Presentation attributes, not style="": WeasyPrint warns on every bar's style.
    svg = svg.replace('style="fill:black;"', 'fill="black"').replace(
        'style="fill:white"', 'fill="white"'
    )
    # Digits only went in, so the markup holds nothing typed by a person.
    return mark_safe(svg)  # noqa: S308
