"""Print-ready output of issued codes: CSV rows and QR codes (SVG, PNG) made with segno."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Literal

import segno

from ringfence.authenticity.codes import UnitCode
from ringfence.core import spreadsheet

CSV_HEADER = ("gtin", "lot", "serial", "uri")
QrFormat = Literal["svg", "png"]


def csv_lines(codes: Iterable[UnitCode], resolver: str) -> Iterator[str]:
    """The CSV text, header first, line by line (a million codes stream without a copy)."""
    buffer = io.StringIO()
    writer = spreadsheet.Writer(buffer)
    writer.writerow(CSV_HEADER)
    for code in codes:
        writer.writerow((code.gtin, code.lot or "", code.serial, code.uri(resolver)))
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def qr(code: UnitCode, resolver: str, kind: QrFormat, *, scale: int = 4) -> bytes:
    """One QR code (error correction M, quiet zone of 4 modules, as GS1 asks for print)."""
    out = io.BytesIO()
    segno.make(code.uri(resolver), error="m", boost_error=False).save(
        out, kind=kind, scale=scale, border=4
    )
    return out.getvalue()
