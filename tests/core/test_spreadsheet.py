"""CSV for people: no cell a spreadsheet would run as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from ringfence.core import spreadsheet


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=HYPERLINK(evil)", "'=HYPERLINK(evil)"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("\n=1", "'\n=1"),
        (["ok", "=cmd|' /C calc'!A0"], "ok;'=cmd|' /C calc'!A0"),
        (["=a", "b"], "'=a;b"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-5, "-5"),
        (0.25, "0.25"),
        (True, "True"),
        (None, ""),
        ("", ""),
    ],
)
def test_h18_s8_every_cell_is_neutralised(value: Any, written: str) -> None:
    assert spreadsheet.cell(value) == written
    out = io.StringIO()
    spreadsheet.Writer(out).writerow(["id", value])
    assert next(csv.reader(io.StringIO(out.getvalue(), newline=""))) == ["id", written]
