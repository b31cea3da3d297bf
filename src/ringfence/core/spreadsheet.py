"""CSV for people: every cell written so that a spreadsheet shows it as text, never runs it.

A cell a spreadsheet would read as a formula (OWASP, "CSV Injection") starts with ``=``, ``+``,
``-`` or ``@`` (also after leading white space, which spreadsheets skip), or with a tab or a
carriage return: such a cell is written with a leading ``'``, which spreadsheets show as text
and hide. Numbers are written as they are (``-5`` is a number, not a formula). A list becomes one
cell of its items joined by ``;``, each item neutralised too, since a spreadsheet that splits on
``;`` would otherwise turn an item into a cell of its own. The ``csv`` module quotes the rest
(separators, quotes, line breaks).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

_FORMULA_START = ("=", "+", "-", "@")
_CONTROL_START = ("\t", "\r")


def cell(value: Any) -> str:
    """The text of one cell, safe to open in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, int | float):  # bool included: True, False
        return str(value)
    if isinstance(value, list | tuple):
        return cell(";".join(cell(v) for v in value))
    text = str(value)
    if text.startswith(_CONTROL_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


class Writer:
    """``csv.writer`` (newline ``\\n``) whose rows go through :func:`cell`."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")
        # The csv module of Python 3.11 quotes a field with a line feed but not one with a lone
        # carriage return, which a reader takes for the end of the row: such rows are quoted
        # whole.
        self._quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Sequence[Any]) -> None:
        cells = [cell(v) for v in row]
        (self._quoted if any("\r" in c for c in cells) else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.writerow(row)
